"""车船税 (docs/domain.md, DOMAIN.md "vehicle tax"): the national bands by engine size, the
province's amount inside them (a setting, checked), exemption by power source and the pro rata
months of a new car."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecircle.core.errors import DomainError
from carecircle.policies import vehicle_tax as t


def tax(displacement, *, energy="petrol", seats=5, province="江苏省", year=2026, acquired=None):
    return t.vehicle_tax(
        displacement=None if displacement is None else Decimal(displacement),
        energy=energy,
        seats=seats,
        province=province,
        tax_year=year,
        acquired=acquired,
    )


@pytest.mark.parametrize(
    ("litres", "default", "beijing"),
    [
        ("0.9", "180.00", "300.00"),
        ("1.0", "180.00", "300.00"),
        ("1.5", "360.00", "420.00"),
        ("1.6", "360.00", "420.00"),
        ("1.8", "420.00", "480.00"),
        ("2.0", "420.00", "480.00"),
        ("2.4", "720.00", "900.00"),
        ("3.0", "1800.00", "1920.00"),
        ("3.5", "3000.00", "3480.00"),
        ("6.2", "4500.00", "5280.00"),
    ],
)
def test_the_yearly_tax_is_the_provinces_amount_for_the_engine_band(litres, default, beijing):
    assert tax(litres) == Decimal(default)
    assert tax(litres, province="北京市") == Decimal(beijing)


@pytest.mark.parametrize("energy", ["battery_electric", "fuel_cell"])
def test_battery_electric_and_fuel_cell_cars_are_exempt(energy):
    assert tax(None, energy=energy) == Decimal("0.00")


def test_a_plug_in_hybrid_pays_by_its_engine():
    assert tax("1.5", energy="plug_in_hybrid") == Decimal("360.00")


def test_a_new_car_pays_from_its_month_of_registration():
    # 1.5 L in the default schedule: 360 a year; registered in April → 9 months → 270.
    assert tax("1.5", acquired=dt.date(2026, 4, 20)) == Decimal("270.00")
    assert tax("1.5", acquired=dt.date(2026, 12, 1)) == Decimal("30.00")
    assert tax("1.5", acquired=dt.date(2024, 4, 20)) == Decimal("360.00")


def test_an_unknown_engine_size_is_a_clear_error():
    with pytest.raises(DomainError) as info:
        tax(None)
    assert (info.value.code, info.value.field) == ("engine_size_unknown", "displacement")


def test_a_vehicle_over_nine_seats_is_out_of_the_passenger_car_table():
    with pytest.raises(DomainError) as info:
        tax("2.0", seats=12)
    assert info.value.code == "vehicle_tax_scope"


def test_a_province_schedule_outside_the_national_band_is_refused(settings):
    settings.CARECIRCLE = {
        "VEHICLE_TAX_BY_PROVINCE": {"上海": ("180", "360", "450", "720", "1500", "3000", "6000")}
    }
    with pytest.raises(DomainError) as info:
        tax("5.0", province="上海市")
    assert info.value.code == "vehicle_tax_band" and "5400" in info.value.message
    assert tax("1.5", province="江苏省") == Decimal("360.00")  # other provinces unaffected


def test_the_exempt_power_sources_are_a_setting(settings):
    settings.CARECIRCLE = {
        "VEHICLE_TAX_EXEMPT_ENERGIES": ("battery_electric", "fuel_cell", "plug_in_hybrid")
    }
    assert tax("1.5", energy="plug_in_hybrid") == Decimal("0.00")


litres = st.decimals(min_value=Decimal("0.1"), max_value=Decimal("8.0"), places=2)
schedules = st.tuples(*(st.integers(int(low), int(high)) for _, low, high in t.BANDS))


@given(litres, schedules, st.integers(1, 12))
def test_the_yearly_tax_always_lies_inside_the_national_band(size, schedule, month):
    index = t.band_index(size)
    _, low, high = t.BANDS[index]
    annual = t.annual_tax(size, "", schedule)
    assert low <= annual <= high
    part = t.vehicle_tax(
        displacement=size,
        energy="petrol",
        seats=5,
        province="",
        tax_year=2026,
        acquired=dt.date(2026, month, 1),
        schedule=schedule,
    )
    assert Decimal(0) < part <= annual


@given(st.one_of(st.none(), litres), st.sampled_from(["battery_electric", "fuel_cell"]))
def test_exempt_power_sources_always_pay_nothing(size, energy):
    assert t.vehicle_tax(
        displacement=size, energy=energy, seats=5, province="北京", tax_year=2026
    ) == Decimal("0.00")
