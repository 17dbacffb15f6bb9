"""A small book of canonical CSV files mixing good rows with rows that break each kind of rule:
bad checksums and formats, choices, cross-column rules, duplicates, unknown and rejected
references, renewal chains broken by a rejected predecessor."""

from pathlib import Path

from carecircle.core.validators import uscc_check_char
from tests.factories import make_id_number, make_vin
from tests.ingest.test_bad_input import write_csv

USCC = "91330100MA2" + "ABCDE0"
USCC += uscc_check_char(USCC)
ID1, ID2 = make_id_number(1), make_id_number(2)
BAD_ID = ID1[:17] + ("0" if ID1[17] != "0" else "1")
V1, V2, V3 = make_vin(1), make_vin(2), make_vin(3)

# fmt: off
FILES = {
    "partners": (
        ["code", "name", "kind", "uscc", "city"],
        [
            ["PA1", "宁波4S", "four_s_shop", USCC, "宁波"],
            ["PA2", "坏代码", "repair_shop", "123", "宁波"],
            ["PA3", "未知", "pigeon", "", ""],
        ],
    ),
    "staff": (["username", "role", "team"], [["agent1", "sales_agent", "一组"]]),
    "customers": (
        ["customer_no", "kind", "name", "gender", "id_number", "uscc", "phone", "city",
         "marketing_consent", "birth_date", "owner_username"],
        [
            ["C1", "person", " 王小明 ", "M", ID1, "", "138 0000 0001", "杭州", "是", "1980-01-01", "agent1"],
            ["C2", "company", "某公司", "", "", USCC, "+8613800000002", "杭州", "0", "", ""],
            ["C3", "person", "李雷", "X", BAD_ID, "", "12345", "杭州", "maybe", "1980-02-30", ""],
            ["C4", "company", "有身份证的公司", "", ID2, "", "", "", "", "", "nobody"],
            ["C5", "person", "", "F", "", USCC, "", "", "", "", ""],
            ["C6", "person", "韩梅梅", "F", ID2, "", "13900000006", "宁波", "1", "1981/03/04", ""],
        ],
    ),
    "vehicles": (
        ["vehicle_no", "customer_no", "plate", "vin", "use", "seats", "new_energy", "price"],
        [
            ["V1", "C1", "浙A12345", V1, "household", "5", "0", "120000"],
            ["V2", "C2", "浙B·D12345", V2, "operating", "7", "1", "1,234.5"],
            ["V3", "C3", "浙C11111", V3, "household", "5", "0", ""],
            ["V4", "C6", "浙A1234", make_vin(4), "household", "100", "x", "-1"],
            ["V5", "C6", "", "", "taxi", "5", "", ""],
        ],
    ),
    "policies": (
        ["policy_no", "kind", "customer_no", "vehicle_no", "effective_date", "expiry_date",
         "premium", "currency", "channel", "partner_code", "agent_username", "renews_policy_no",
         "ncd_coefficient", "ncd_level"],
        [
            ["P1", "commercial", "C1", "V1", "2023-06-01", "2024-06-01", "2760", "CNY", "direct", "PA1", "agent1", "", "0.85", "-1"],
            ["P2", "commercial", "C1", "V1", "2024-06-01", "2025-06-01", "2700.5", "CNY", "agent", "", "", "P1", "", ""],
            ["P3", "commercial", "C1", "V1", "2025-06-01", "2026-06-01", "2650", "CNY", "agent", "", "", "P2", "", ""],
            ["P4", "compulsory", "C2", "V2", "2024-01-01", "2023-01-01", "950", "CNY", "direct", "", "", "", "", ""],
            ["P5", "compulsory", "C2", "V2", "2025-01-01", "2026-01-01", "950", "CNY", "direct", "", "", "P4", "", ""],
            ["P6", "compulsory", "C2", "V2", "2026-01-01", "2027-01-01", "950", "CNY", "direct", "", "", "P5", "", ""],
            ["P7", "commercial", "C3", "V3", "2025-01-01", "2026-01-01", "100", "CNY", "direct", "", "", "", "", ""],
            ["P8", "commercial", "C6", "", "2025-01-01", "2026-01-01", "-1", "XYZ", "direct", "PA9", "", "NOPE", "0", "9"],
            ["P1", "commercial", "C1", "V1", "2023-06-01", "2024-06-01", "2760", "CNY", "direct", "", "", "", "", ""],
            ["P9", "commercial", "C2", "V2", "2025-03-01", "2026-03-01", "800", "CNY", "online", "", "ghost", "P404", "", ""],
        ],
    ),
    "coverages": (
        ["policy_no", "code", "limit", "premium"],
        [
            ["P1", "vehicle_damage", "120000", "1800"],
            ["P1", "third_party", "1000000", "960"],
            ["P1", "third_party", "1000000", "960"],
            ["P7", "glass", "", "10"],
            ["P2", "flying", "", "1"],
        ],
    ),
    "claims": (
        ["claim_no", "policy_no", "vehicle_no", "coverage", "accident_at", "reported_at",
         "amount_reserved", "amount_paid", "currency", "status", "injury", "paid_at"],
        [
            ["K1", "P1", "V1", "vehicle_damage", "2023-08-01 10:00", "2023-08-01 11:30", "5000", "4800.00", "CNY", "paid", "0", "2023-09-01T09:00:00+08:00"],
            ["K2", "P1", "V1", "glass", "2023-08-02 10:00", "2023-08-01 10:00", "10", "0", "CNY", "reported", "", ""],
            ["K3", "P7", "V3", "glass", "not a time", "2023-08-01 10:00", "10", "0", "CNY", "reported", "", ""],
        ],
    ),
    "interactions": (
        ["interaction_no", "customer_no", "contact_type", "medium", "direction", "occurred_at",
         "staff_username", "policy_no", "claim_no", "summary", "outcome", "satisfaction"],
        [
            ["I1", "C1", "phone", "phone", "outbound", "2024-05-01 09:00", "agent1", "P1", "K1", "续保提醒", "reached", "5"],
            ["I2", "C2", "sales", "wechat", "inbound", "2024-05-02 09:00", "", "", "", "", "sold", ""],
            ["I3", "C9", "sales", "fax", "inbound", "2024-05-02 09:00", "ghost", "P404", "", "", "sold", "6"],
        ],
    ),
}
# fmt: on


def write_files(folder: Path) -> list[Path]:
    folder.mkdir()
    return [write_csv(folder / f"{t}.csv", h, rows) for t, (h, rows) in FILES.items()]
