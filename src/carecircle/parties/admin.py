from django.contrib import admin

from .models import Customer, Partner, PartnerContact, Team, Vehicle
from .models_consent import Consent, ConsentEvent

# Ciphertexts and blind indexes are never edited by hand: change personal data through the
# services (validated, de-duplicated, audited).
CUSTOMER_SECRET_FIELDS = (
    "phone_encrypted",
    "phone_hash",
    "phone_masked",
    "phone_last4",
    "id_number_encrypted",
    "id_number_hash",
    "id_number_masked",
)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "leader")
    list_filter = ("kind",)
    search_fields = ("name",)
    raw_id_fields = ("leader",)


class PartnerContactInline(admin.TabularInline):
    model = PartnerContact
    fields = ("name", "title", "phone_masked")
    readonly_fields = ("phone_masked",)
    extra = 0


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "city", "brand", "active")
    list_filter = ("kind", "active", "city")
    search_fields = ("code", "name", "uscc")
    inlines = [PartnerContactInline]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = (
        "customer_no",
        "name",
        "kind",
        "phone_masked",
        "id_number_masked",
        "city",
        "owner",
    )
    list_filter = ("kind", "city", "marketing_consent")
    search_fields = ("customer_no", "name", "phone_last4", "uscc")
    readonly_fields = CUSTOMER_SECRET_FIELDS
    raw_id_fields = ("owner",)
    list_select_related = ("owner",)
    show_full_result_count = False  # no COUNT(*) over the whole book on every page


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ("vehicle_no", "plate", "vin", "brand", "model", "new_energy", "use")
    list_filter = ("new_energy", "use")
    search_fields = ("vehicle_no", "plate", "vin")
    raw_id_fields = ("owner",)
    show_full_result_count = False


class ReadOnlyConsentAdmin(admin.ModelAdmin):
    """Consent is evidence: read here, recorded only through parties.consent."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyConsentAdmin):
    list_display = ("customer", "key", "action", "source", "wording", "at", "recorded_by")
    list_filter = ("purpose", "action", "source", "wording")
    raw_id_fields = ("customer", "partner", "recorded_by")
    date_hierarchy = "at"


@admin.register(Consent)
class ConsentAdmin(ReadOnlyConsentAdmin):
    list_display = ("customer", "key", "granted", "granted_at", "withdrawn_at", "source")
    list_filter = ("purpose", "granted", "source")
    raw_id_fields = ("customer", "partner")
