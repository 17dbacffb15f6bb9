from django.contrib import admin

from .models import Agreement, WeatherAlert


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ("agreement_no", "partner", "status", "starts_on", "ends_on")
    list_filter = ("status", "partner__kind")
    search_fields = ("agreement_no", "partner__name", "partner__code")
    raw_id_fields = ("partner", "created_by")


@admin.register(WeatherAlert)
class WeatherAlertAdmin(admin.ModelAdmin):
    list_display = ("day", "city", "level", "warning")
    list_filter = ("level", "city")
