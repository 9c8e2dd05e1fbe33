from django.apps import AppConfig


class AvodashConfig(AppConfig):
    name = "avodash"
    verbose_name = "avodash"
