from django.contrib import admin

from .models import Claim


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ("claim_no", "coverage", "status", "accident_at", "reported_at", "injury")
    list_filter = ("status", "coverage", "injury")
    search_fields = ("claim_no",)
    date_hierarchy = "reported_at"
    raw_id_fields = ("policy", "vehicle")
    show_full_result_count = False
