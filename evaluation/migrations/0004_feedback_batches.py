from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('evaluation', '0003_indicators_default'),
        ('inventory', '0017_importbatch_kind_evaluation'),
    ]

    operations = [
        migrations.CreateModel(
            name='EvaluationsBatch',
            fields=[
            ],
            options={
                'verbose_name': '评价反馈上传',
                'verbose_name_plural': '评价反馈上传',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('inventory.importbatch',),
        ),
    ]
