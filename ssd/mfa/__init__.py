"""Two-factor sign-in (TOTP with backup codes) on django-otp: services, views and the middleware
that holds every page behind the second factor. No models of its own: the devices are django-otp's."""
