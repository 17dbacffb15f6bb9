from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    PERSON = "person", _("个人 / Person")
    COMPANY = "company", _("企业 / Company")


class Gender(models.TextChoices):
    MALE = "M", _("男 / Male")
    FEMALE = "F", _("女 / Female")


class PartnerKind(models.TextChoices):
    FOUR_S_SHOP = "four_s_shop", _("4S店 / 4S dealer shop")
    REPAIR_SHOP = "repair_shop", _("修理厂 / Repair shop")
    USED_CAR_DEALER = "used_car_dealer", _("二手车商 / Used-car dealer")
    INTERMEDIARY = "intermediary", _("中介机构 / Intermediary")
    MERCHANT = "merchant", _("增值服务商户 / Value-added-service merchant")
    LIFE_INSURER = "life_insurer", _("寿险公司 / Life insurer")


class TeamKind(models.TextChoices):
    TELESALES = "telesales", _("电销团队 / Telesales")
    AGENTS = "agents", _("代理人团队 / Agents")
    CLAIMS = "claims", _("理赔团队 / Claims")
    SERVICE = "service", _("客服团队 / Service")
    MANAGEMENT = "management", _("管理层 / Management")


class Energy(models.TextChoices):
    """Power source: battery-electric and fuel-cell cars are exempt from 车船税."""

    PETROL = "petrol", _("汽油 / Petrol")
    DIESEL = "diesel", _("柴油 / Diesel")
    HYBRID = "hybrid", _("油电混合 / Hybrid")
    PLUG_IN_HYBRID = "plug_in_hybrid", _("插电混动 / Plug-in hybrid")
    BATTERY_ELECTRIC = "battery_electric", _("纯电动 / Battery-electric")
    FUEL_CELL = "fuel_cell", _("燃料电池 / Fuel cell")


class VehicleUse(models.TextChoices):
    HOUSEHOLD = "household", _("家庭自用 / Household")
    NON_OPERATING = "non_operating", _("企业非营业 / Company, non-operating")
    OPERATING = "operating", _("营业 / Operating")
    RIDE_HAILING = "ride_hailing", _("网约车 / Ride-hailing")
