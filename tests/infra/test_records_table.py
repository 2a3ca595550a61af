"""The per-user records table: keyed by the user-pool `sub`, on demand, recoverable, encrypted, protected."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match

from stacks import names
from tests.support import Synth


def table(synth: Synth) -> dict[str, Any]:
    resource: dict[str, Any] = synth.templates["Auth"]["Resources"][names.RECORDS_TABLE]
    return resource


def test_partition_key_is_the_sub_and_the_sort_key_is_typed(synth: Synth) -> None:
    props = table(synth)["Properties"]
    assert props["KeySchema"] == [
        {"AttributeName": names.RECORD_PARTITION_KEY, "KeyType": "HASH"},
        {"AttributeName": names.RECORD_SORT_KEY, "KeyType": "RANGE"},
    ]
    assert props["AttributeDefinitions"] == [
        {"AttributeName": names.RECORD_PARTITION_KEY, "AttributeType": "S"},
        {"AttributeName": names.RECORD_SORT_KEY, "AttributeType": "S"},
    ]
    # No secondary index: every query is by partition, which dynamodb:LeadingKeys confines to the caller.
    assert "GlobalSecondaryIndexes" not in props
    assert "LocalSecondaryIndexes" not in props


def test_on_demand_with_point_in_time_recovery_for_the_configured_period(synth: Synth) -> None:
    synth.template("Auth").has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "BillingMode": "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification": {
                "PointInTimeRecoveryEnabled": True,
                "RecoveryPeriodInDays": synth.config.records.recovery_period_days,
            },
            "ProvisionedThroughput": Match.absent(),
        },
    )


def test_encrypted_at_rest_with_dynamodbs_own_key(synth: Synth) -> None:
    # SSEEnabled false is DynamoDB's AWS-owned key: every table is encrypted at rest (records_table.py says why
    # not a customer-managed key); true without a key id would be the AWS-managed key.
    assert table(synth)["Properties"]["SSESpecification"] == {"SSEEnabled": False}


def test_protected_and_retained_where_the_profile_retains_data(synth: Synth) -> None:
    resource = table(synth)
    if synth.config.retain:
        assert resource["Properties"]["DeletionProtectionEnabled"] is True
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")
    else:
        assert resource["Properties"]["DeletionProtectionEnabled"] is False
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Delete", "Delete")


def test_no_fixed_name_and_the_name_is_an_output(synth: Synth) -> None:
    assert "TableName" not in table(synth)["Properties"]
    outputs = synth.templates["Auth"]["Outputs"]
    assert outputs[names.Outputs.RECORDS_TABLE_NAME]["Value"] == {"Ref": names.RECORDS_TABLE}


def test_prod_and_dev_choose_their_recovery_periods(dev: Synth, prod: Synth) -> None:
    assert (dev.config.records.recovery_period_days, prod.config.records.recovery_period_days) == (7, 35)
