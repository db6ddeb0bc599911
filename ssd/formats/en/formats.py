"""One date format and one clock everywhere (issue 10): MM/DD/YYYY and the 24-hour clock the incident
form's time field uses, whatever a template prints with the bare `|date` filter or a form shows.
Django's own English formats ("Dec. 2, 2026, 5:30 p.m.") are overridden through FORMAT_MODULE_PATH."""

DATE_FORMAT = "m/d/Y"
SHORT_DATE_FORMAT = "m/d/Y"
DATETIME_FORMAT = "m/d/Y H:i"
SHORT_DATETIME_FORMAT = "m/d/Y H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "m/d"
YEAR_MONTH_FORMAT = "m/Y"
FIRST_DAY_OF_WEEK = 0  # Sunday
