"""FieldReader's idioms: unknown keys with the nearest known one, required fields, ARM ids;
each message names the field as the reader's labels name it."""

from private_acr_rules.validation import FieldReader, Labels

SUBNET = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/a"


def reader(values: dict[str, object], labels: Labels | None = None) -> FieldReader:
    return FieldReader(values, labels or Labels.of("PoolArgs"), [])


def test_an_unknown_key_is_named_with_the_nearest_known_one() -> None:
    fields = reader({"tier": "S1", "teir": "S3"})
    fields.reject_unknown(["tier", "count"])
    assert fields.problems == [
        "PoolArgs.teir: unknown key; did you mean 'PoolArgs.tier'? (known keys: count, tier)"
    ]


def test_known_keys_are_shown_in_the_readers_words() -> None:
    labels = Labels.mapped({"idle_count": "agentPool.schedule.idleCount"}, "agentPool.schedule.")
    fields = reader({"idlecount": 0}, labels)
    fields.reject_unknown(["idle_count"])
    assert fields.problems == [
        "agentPool.schedule.idlecount: unknown key; did you mean "
        "'agentPool.schedule.idleCount'? (known keys: idleCount)"
    ]


def test_a_key_close_to_none_is_named_without_a_suggestion() -> None:
    fields = reader({"zzz": 1})
    fields.reject_unknown(["tier"])
    assert fields.problems == ["PoolArgs.zzz: unknown key (known keys: tier)"]


def test_require_says_why_a_missing_field_is_needed() -> None:
    fields = reader({"subnet_id": None})
    assert fields.require("subnet_id") is None
    assert fields.require("cluster_id", "deployers need the cluster") is None
    assert reader({"a": 1}).require("a") == 1
    assert fields.problems == [
        "PoolArgs.subnet_id: missing; this is required",
        "PoolArgs.cluster_id: missing; deployers need the cluster",
    ]


def test_an_arm_id_must_name_the_expected_type() -> None:
    fields = reader({"subnet": f" {SUBNET} ", "vnet": SUBNET})
    types = ("virtualnetworks", "subnets")
    assert fields.arm_id("subnet", "microsoft.network", types, "a subnet id") == SUBNET
    assert fields.arm_id("vnet", "microsoft.network", ("virtualnetworks",), "a VNet id") is None
    assert fields.arm_id("absent", "microsoft.network", types, "a subnet id") is None
    assert fields.arm_id("subnet", "microsoft.storage", types, "a subnet id") is None
    assert fields.problems == [
        f"PoolArgs.vnet: got {SUBNET!r}; expected a VNet id",
        f"PoolArgs.subnet: got {' ' + SUBNET + ' '!r}; expected a subnet id",
    ]
