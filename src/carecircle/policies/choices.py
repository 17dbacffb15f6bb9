from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyKind(models.TextChoices):
    COMPULSORY = "compulsory", _("交强险 / Compulsory")
    COMMERCIAL = "commercial", _("商业险 / Commercial")


class Channel(models.TextChoices):
    DIRECT = "direct", _("直销 / Direct")
    AGENT = "agent", _("个人代理 / Agent")
    FOUR_S_SHOP = "four_s_shop", _("4S店 / 4S shop")
    REPAIR_SHOP = "repair_shop", _("修理厂 / Repair shop")
    USED_CAR_DEALER = "used_car_dealer", _("二手车商 / Used-car dealer")
    TELESALES = "telesales", _("电销 / Telesales")
    ONLINE = "online", _("网销 / Online")
    INTERMEDIARY = "intermediary", _("中介 / Intermediary")


class CoverageCode(models.TextChoices):
    COMPULSORY = "compulsory", _("交强险 / Compulsory liability")
    VEHICLE_DAMAGE = "vehicle_damage", _("车损险 / Vehicle damage")
    THIRD_PARTY = "third_party", _("第三者责任险 / Third-party liability")
    DRIVER_SEAT = "driver_seat", _("车上人员责任险(司机) / Seat liability, driver")
    PASSENGER_SEAT = "passenger_seat", _("车上人员责任险(乘客) / Seat liability, passengers")
    THEFT = "theft", _("盗抢险 / Theft")
    GLASS = "glass", _("玻璃单独破碎 / Glass")
    FIRE = "fire", _("自燃 / Fire")
    SCRATCH = "scratch", _("车身划痕 / Scratches")
    LEGAL = "legal", _("法律费用 / Legal expenses")
    ROADSIDE_RESCUE = "roadside_rescue", _("道路救援服务 / Roadside rescue (service rider)")
    SAFETY_CHECK = "safety_check", _("车辆安全检测 / Safety check (service rider)")
    DESIGNATED_DRIVER = "designated_driver", _("代为驾驶服务 / Designated driver (service rider)")
    INSPECTION_RUN = "inspection_run", _("代为送检服务 / Inspection run (service rider)")
    OTHER = "other", _("其他 / Other")


SERVICE_RIDERS = frozenset(
    {
        CoverageCode.ROADSIDE_RESCUE,
        CoverageCode.SAFETY_CHECK,
        CoverageCode.DESIGNATED_DRIVER,
        CoverageCode.INSPECTION_RUN,
    }
)


class Currency(models.TextChoices):
    CNY = "CNY", _("人民币 / yuan")
    EUR = "EUR", _("欧元 / euro")


class PartyRole(models.TextChoices):
    """The parties to a policy (policies.models_parties.PolicyParty). ``Policy.customer`` is
    the applicant; the insured and the owner are the same person unless the vehicle changed
    hands (过户) or a company insures a car it does not own."""

    APPLICANT = "applicant", _("投保人 / Applicant")
    INSURED = "insured", _("被保险人 / Insured")
    OWNER = "owner", _("车主 / Vehicle owner")


# Shown for a policy that has no party rows (a book loaded before parties were recorded): its
# customer is the policyholder and nothing more is known.
POLICYHOLDER = "policyholder"
POLICYHOLDER_LABEL = _("投保人 / Policyholder")


class EndorsementKind(models.TextChoices):
    """A change to an issued policy (批改)."""

    TRANSFER = "transfer", _("过户批改 / Ownership transfer")
    CANCELLATION = "cancellation", _("过户退保 / Cancelled on transfer")


class InForce(models.TextChoices):
    """What a vehicle's policies in force do when it changes hands, as the customer chooses."""

    TRANSFER = "transfer", _("保单随车过户 / Transfer to the new owner")
    CANCEL = "cancel", _("退保并退还未到期保费 / Cancel, refund the unearned premium")
