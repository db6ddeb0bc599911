"""Every incident has its report number (0005 gave the existing ones theirs): required, unique per year."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0007_report_number'),
        ('schools', '0002_school_permissions_declared_by_apps'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='incident',
            name='report_seq',
            field=models.PositiveIntegerField(editable=False),
        ),
        migrations.AlterField(
            model_name='incident',
            name='report_year',
            field=models.PositiveSmallIntegerField(editable=False),
        ),
        migrations.AddConstraint(
            model_name='incident',
            constraint=models.UniqueConstraint(fields=('report_year', 'report_seq'), name='incident_report_number_unique'),
        ),
        migrations.AddConstraint(
            model_name='incident',
            constraint=models.CheckConstraint(condition=models.Q(('report_seq__gte', 1)), name='incident_report_seq_positive'),
        ),
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(fields=['report_seq'], name='incident_report_seq'),
        ),
    ]
