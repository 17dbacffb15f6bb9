"""Imports validate every row: bad rows are reported (row, column, rule), good rows load."""

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest

from carecircle.ingest.canonical import import_paths
from carecircle.ingest.convert import CellError, money
from carecircle.ingest.mapping import Mapping
from carecircle.parties.models import Customer, Vehicle
from carecircle.policies.models import Policy
from tests.factories import CustomerFactory, VehicleFactory, make_id_number, make_vin

pytestmark = pytest.mark.django_db

CUSTOMER_HEADER = ["customer_no", "kind", "name", "id_number", "phone", "city", "marketing_consent"]


def write_csv(path: Path, header: list[str], rows: list[list], encoding="utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def report_rows(result) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.code) for t in result.tables for e in t.errors]


def test_wrong_id_checksum_and_impossible_birth_date_are_reported_and_good_rows_load(tmp_path):
    good = make_id_number(1)
    bad_checksum = good[:17] + ("0" if good[17] != "0" else "1")
    bad_date = "11010519490230" + "0021"  # 30 February
    path = write_csv(
        tmp_path / "customers.csv",
        CUSTOMER_HEADER,
        [
            ["C1", "person", "王小明", good, "13800000001", "杭州", "1"],
            ["C2", "person", "李雷", bad_checksum, "13800000002", "杭州", "0"],
            ["C3", "person", "韩梅梅", bad_date, "13800000003", "杭州", "0"],
        ],
    )
    result = import_paths([path], progress=False)
    assert report_rows(result) == [
        (3, "id_number", "id_checksum"),
        (4, "id_number", "id_birth_date"),
    ]
    assert list(Customer.objects.values_list("customer_no", flat=True)) == ["C1"]
    report = (tmp_path / "customers.csv.errors.csv").read_text(encoding="utf-8-sig").splitlines()
    assert report[0] == "row,column,value,rule,message"
    assert report[1].startswith(f"3,id_number,{bad_checksum},id_checksum,身份证号校验位错误")


def test_malformed_vin_and_plate_are_reported(tmp_path):
    CustomerFactory(customer_no="C00000001")
    vin = make_vin(5)
    path = write_csv(
        tmp_path / "vehicles.csv",
        ["vehicle_no", "customer_no", "plate", "vin", "use", "seats", "new_energy"],
        [
            ["V1", "C00000001", "浙A12345", vin, "household", "5", "0"],
            ["V2", "C00000001", "浙A1234", make_vin(6), "household", "5", "0"],
            [
                "V3",
                "C00000001",
                "浙B54321",
                vin[:8] + ("0" if vin[8] != "0" else "1") + vin[9:],
                "household",
                "5",
                "0",
            ],
            ["V4", "C99999999", "浙C11111", make_vin(7), "household", "5", "0"],
        ],
    )
    result = import_paths([path], progress=False)
    assert report_rows(result) == [
        (3, "plate", "plate_format"),
        (4, "vin", "vin_checksum"),
        (5, "customer_no", "unknown_customer_no"),
    ]
    assert list(Vehicle.objects.values_list("vehicle_no", flat=True)) == ["V1"]


POLICY_HEADER = [
    "policy_no",
    "kind",
    "customer_no",
    "vehicle_no",
    "effective_date",
    "expiry_date",
    "premium",
    "currency",
    "channel",
]


def test_policy_rules_duplicate_number_negative_premium_dates_and_channel(tmp_path):
    vehicle = VehicleFactory(vehicle_no="V1", owner=CustomerFactory(customer_no="C00000001"))
    row = [
        "P1",
        "commercial",
        "C00000001",
        "V1",
        "2025-06-01",
        "2026-06-01",
        "2760.00",
        "CNY",
        "direct",
    ]
    path = write_csv(
        tmp_path / "policies.csv",
        POLICY_HEADER,
        [
            row,
            ["P1", *row[1:]],  # duplicate policy number
            [
                "P2",
                "commercial",
                "C00000001",
                "V1",
                "2025-06-01",
                "2026-06-01",
                "-10",
                "CNY",
                "direct",
            ],
            [
                "P3",
                "commercial",
                "C00000001",
                "V1",
                "2025-06-01",
                "2025-05-01",
                "100",
                "CNY",
                "direct",
            ],
            [
                "P4",
                "compulsory",
                "C00000001",
                "V1",
                "2025-06-01",
                "2026-06-01",
                "950",
                "CNY",
                "pigeon",
            ],
        ],
    )
    result = import_paths([path], progress=False)
    assert report_rows(result) == [
        (3, "policy_no", "duplicate_key"),
        (4, "premium", "money_negative"),
        (5, "expiry_date", "expiry_before_effective"),
        (6, "channel", "unknown_channel"),
    ]
    policy = Policy.objects.get()
    assert (policy.policy_no, policy.premium, policy.vehicle) == ("P1", Decimal("2760.00"), vehicle)


def test_gbk_encoded_csv_is_detected_and_chinese_names_survive(tmp_path):
    rows = [
        [f"G{i}", "person", name, make_id_number(i), f"1390000000{i}", "南京", "否"]
        for i, name in enumerate(["张伟", "王芳", "李娜", "刘洋"], start=1)
    ]
    path = write_csv(tmp_path / "customers_gbk.csv", CUSTOMER_HEADER, rows, encoding="gbk")
    result = import_paths([path], progress=False)
    assert result.rejected == 0
    assert sorted(Customer.objects.values_list("name", flat=True)) == [
        "刘洋",
        "张伟",
        "李娜",
        "王芳",
    ]
    assert "gb18030" in result.tables[0].notes[0]


def _excel(path: Path, merged_group_row: bool) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    if merged_group_row:
        ws.append(["客户信息", None, None, None, None, None, None])
        ws.merge_cells("A1:G1")
    ws.append(CUSTOMER_HEADER)
    ws.append(["X1", "person", "赵六", make_id_number(11), "13700000011", "苏州", "1"])
    ws.append(["X2", "person", "钱七", "123", "13700000012", "苏州", "1"])
    if not merged_group_row:
        ws.merge_cells("A1:B1")  # the only header row has merged cells
    wb.save(path)
    return path


def test_excel_with_a_merged_group_header_uses_the_row_below_and_says_so(tmp_path):
    result = import_paths([_excel(tmp_path / "customers.xlsx", True)], progress=False)
    assert report_rows(result) == [(4, "id_number", "id_format")]
    assert list(Customer.objects.values_list("customer_no", flat=True)) == ["X1"]
    assert "A1:G1" in result.tables[0].notes[0]


def test_excel_whose_header_cells_are_merged_is_refused_whole_with_a_clear_message(tmp_path):
    result = import_paths([_excel(tmp_path / "customers.xlsx", False)], progress=False)
    error = result.tables[0].errors[0]
    assert (error.row, error.code) == (0, "excel_header")
    assert "A1:B1" in error.message and "合并单元格" in error.message
    assert Customer.objects.count() == 0


def test_reimporting_the_same_file_changes_nothing_and_a_changed_row_is_updated(tmp_path):
    rows = [
        [f"R{i}", "person", f"客户{i}", make_id_number(i), f"1360000000{i}", "宁波", "1"]
        for i in range(1, 4)
    ]
    path = write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, rows)
    first = import_paths([path], progress=False).counts()["customers"]
    before = list(
        Customer.objects.order_by("pk").values_list("pk", "updated_at", "phone_encrypted")
    )
    second = import_paths([path], progress=False).counts()["customers"]
    assert (first["inserted"], second["inserted"], second["updated"], second["unchanged"]) == (
        3,
        0,
        0,
        3,
    )
    assert (
        list(Customer.objects.order_by("pk").values_list("pk", "updated_at", "phone_encrypted"))
        == before
    )
    rows[1][4] = "13611112222"
    write_csv(path, CUSTOMER_HEADER, rows)
    third = import_paths([path], progress=False).counts()["customers"]
    assert (third["updated"], third["unchanged"]) == (1, 2)
    assert Customer.objects.search_phone("13611112222").get().customer_no == "R2"


def test_a_failure_while_writing_a_batch_leaves_nothing_of_that_batch(tmp_path, monkeypatch):
    rows = [
        [f"F{i}", "person", f"客户{i}", make_id_number(i), f"1350000000{i}", "温州", "1"]
        for i in range(1, 4)
    ]
    path = write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, rows)
    from carecircle.ingest import loader, pgload

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, "_write", explode)  # the row path (SQLite)
    monkeypatch.setattr(pgload, "upsert", explode)  # the set-based path (PostgreSQL)
    with pytest.raises(RuntimeError):
        import_paths([path], progress=False)
    assert Customer.objects.count() == 0


def test_column_mapping_renames_chinese_headers_and_recodes_values(tmp_path):
    VehicleFactory(vehicle_no="V1", owner=CustomerFactory(customer_no="C00000001"))
    path = write_csv(
        tmp_path / "保单.csv",
        ["保单号", "险种", "客户号", "车辆编号", "起保日期", "终保日期", "保费", "渠道"],
        [
            ["M1", "commercial", "C00000001", "V1", "2025/06/01", "2026/06/01", "1,234.50", "电销"],
        ],
    )
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(
        json.dumps(
            {
                "table": "policies",
                "columns": {
                    "保单号": "policy_no",
                    "险种": "kind",
                    "客户号": "customer_no",
                    "车辆编号": "vehicle_no",
                    "起保日期": "effective_date",
                    "终保日期": "expiry_date",
                    "保费": "premium",
                    "渠道": "channel",
                },
                "values": {"channel": {"电销": "telesales"}},
                "constants": {"currency": "CNY"},
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    result = import_paths([path], mapping=Mapping.load(mapping_file), progress=False)
    assert result.rejected == 0
    policy = Policy.objects.get()
    assert (policy.channel, policy.premium, str(policy.effective_date)) == (
        "telesales",
        Decimal("1234.50"),
        "2025-06-01",
    )


def test_an_amount_too_large_to_carry_cents_is_a_row_error_not_a_crash():
    """``1e30`` parses as a number but cannot be kept to the cent: the importer reports the
    cell (money_format) like any other bad amount."""
    with pytest.raises(CellError) as refused:
        money("1e30")
    assert refused.value.code == "money_format"
