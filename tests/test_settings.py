"""Settings: precedence of sources, validation of inputs, and the messages that say what to fix."""

from __future__ import annotations

import pickle

import pytest

from pulumi_css_vpcep._retries import RetryPolicy
from pulumi_css_vpcep._settings import (
    css_endpoint_for,
    iam_endpoint_for,
    parse_resource_id,
    resolve_settings,
    validate_endpoint,
    validate_id,
    validate_region,
)
from pulumi_css_vpcep.errors import ConfigurationError, InvalidInputError

BASE = {"HW_ACCESS_KEY": "AK_ENV", "HW_SECRET_KEY": "SK_ENV", "HW_REGION_NAME": "cn-north-4"}


@pytest.mark.parametrize(
    "bad",
    ["", "a/b", "a?b", "a b", "clé", "x" * 65, "../x", "a%2Fb", "a\nb", "a.b"],
)
def test_malformed_cluster_ids_are_refused_naming_the_input(bad: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        validate_id(bad, "cluster_id")
    assert info.value.input_name == "cluster_id"
    assert "cluster_id" in str(info.value)


def test_well_formed_cluster_ids_pass_unchanged() -> None:
    for good in ("4f3deec3-efa6-4ee3-a5b1-7a2bbd7d9e7a", "a", "A_b-9", "x" * 64):
        assert validate_id(good, "cluster_id") == good


def test_non_string_cluster_id_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="must be a string"):
        validate_id(42, "cluster_id")


@pytest.mark.parametrize("bad", ["", "CN-NORTH-4", "cn_north_4", "cn-north-", "-cn", "cn--north", "cn north", "ap-é"])
def test_malformed_regions_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInputError, match="region"):
        validate_region(bad)


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("http://css.example.com", "only https"),
        ("ftp://css.example.com", "absolute https"),
        ("css.example.com", "absolute https"),
        ("https://css.example.com/?a=1", "query"),
        ("https://css.example.com/#x", "query or fragment"),
        ("https://user:pw@css.example.com", "user name or password"),
        ("https://css.example.com:99999", "not a URL"),
        ("https://css .example.com", "printable ASCII"),
        ("https://cßs.example.com", "printable ASCII"),
    ],
)
def test_unsafe_endpoints_are_refused(bad: str, why: str) -> None:
    with pytest.raises(InvalidInputError, match=why):
        validate_endpoint(bad)


@pytest.mark.parametrize("good", ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9", "http://127.8.0.1"])
def test_plain_http_is_allowed_only_to_loopback(good: str) -> None:
    assert validate_endpoint(good) == good


def test_endpoint_loses_its_trailing_slash() -> None:
    assert validate_endpoint("https://css.example.com/") == "https://css.example.com"


def test_two_regions_use_the_es_endpoint() -> None:
    assert css_endpoint_for("cn-north-1") == "https://es.cn-north-1.myhuaweicloud.com"
    assert css_endpoint_for("cn-east-2") == "https://es.cn-east-2.myhuaweicloud.com"
    assert css_endpoint_for("cn-north-4") == "https://css.cn-north-4.myhuaweicloud.com"
    assert iam_endpoint_for("ap-southeast-1", "example.com") == "https://iam.ap-southeast-1.example.com/v3"


def test_endpoints_follow_region_and_cloud() -> None:
    settings = resolve_settings(environ={**BASE, "HW_CLOUD": "Example.COM"})
    assert settings.css_endpoint == "https://css.cn-north-4.example.com"
    assert settings.iam_endpoint == "https://iam.cn-north-4.example.com/v3"


def test_explicit_argument_beats_config_beats_terraform_beats_sdk_variables() -> None:
    env = {**BASE, "HW_PROJECT_ID": "from_hw", "HUAWEICLOUD_SDK_PROJECT_ID": "from_sdk"}
    config = {"projectId": "from_config"}
    assert resolve_settings(project_id="explicit", config=config, environ=env).project_id == "explicit"
    assert resolve_settings(config=config, environ=env).project_id == "from_config"
    assert resolve_settings(environ=env).project_id == "from_hw"
    env.pop("HW_PROJECT_ID")
    assert resolve_settings(environ=env).project_id == "from_sdk"


def test_sdk_variables_supply_credentials_when_terraform_ones_are_absent() -> None:
    env = {"HUAWEICLOUD_SDK_AK": "AK_SDK", "HUAWEICLOUD_SDK_SK": "SK_SDK", "HW_REGION_NAME": "cn-north-4"}
    credentials = resolve_settings(environ=env).credentials.current()
    assert (credentials.access_key, credentials.secret_key) == ("AK_SDK", "SK_SDK")


def test_credentials_are_never_mixed_across_sources() -> None:
    env = {**BASE, "HW_SECURITY_TOKEN": "TOKEN_ENV"}
    settings = resolve_settings(config={"accessKey": "AK_CFG", "secretKey": "SK_CFG"}, environ=env)
    credentials = settings.credentials.current()
    assert (credentials.access_key, credentials.secret_key, credentials.security_token) == ("AK_CFG", "SK_CFG", None)


def test_access_key_without_its_secret_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"huaweicloud:accessKey is set but .*huaweicloud:secretKey"):
        resolve_settings(config={"accessKey": "AK_CFG"}, environ=BASE)


def test_missing_credentials_say_where_to_set_them() -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(environ={"HW_REGION_NAME": "cn-north-4"}, config={})
    message = str(info.value)
    assert "huaweicloud:accessKey" in message
    assert "HW_ACCESS_KEY" in message
    assert "HUAWEICLOUD_SDK_AK" in message


def test_missing_region_says_where_to_set_it() -> None:
    with pytest.raises(ConfigurationError, match=r"no region.*HW_REGION_NAME"):
        resolve_settings(environ={"HW_ACCESS_KEY": "a", "HW_SECRET_KEY": "b"})


def test_malformed_region_from_environment_is_a_configuration_error_naming_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="HW_REGION_NAME"):
        resolve_settings(environ={**BASE, "HW_REGION_NAME": "North China"})


def test_malformed_explicit_region_is_invalid_input() -> None:
    with pytest.raises(InvalidInputError, match="region"):
        resolve_settings(region="North China", environ=BASE)


def test_remote_http_endpoint_from_environment_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="HW_CSS_ENDPOINT"):
        resolve_settings(environ={**BASE, "HW_CSS_ENDPOINT": "http://css.example.com"})


def test_max_retries_defaults_to_five_and_reads_hw_max_retries() -> None:
    assert resolve_settings(environ=BASE).retry.max_retries == 5
    assert resolve_settings(environ={**BASE, "HW_MAX_RETRIES": "10"}).retry.max_retries == 10
    with pytest.raises(ConfigurationError, match="HW_MAX_RETRIES"):
        resolve_settings(environ={**BASE, "HW_MAX_RETRIES": "many"})
    with pytest.raises(ConfigurationError, match="HW_MAX_RETRIES"):
        resolve_settings(environ={**BASE, "HW_MAX_RETRIES": "-1"})


def test_insecure_reads_true_and_false_and_refuses_anything_else() -> None:
    assert resolve_settings(environ={**BASE, "HW_INSECURE": "true"}).insecure is True
    assert resolve_settings(environ={**BASE, "HW_INSECURE": "0"}).insecure is False
    assert resolve_settings(config={"insecure": "TRUE"}, environ=BASE).insecure is True
    with pytest.raises(ConfigurationError, match="HW_INSECURE"):
        resolve_settings(environ={**BASE, "HW_INSECURE": "maybe"})


def test_empty_variables_count_as_unset() -> None:
    settings = resolve_settings(environ={**BASE, "HW_PROJECT_ID": "", "HUAWEICLOUD_SDK_PROJECT_ID": "p1"})
    assert settings.project_id == "p1"


def test_ssl_cert_file_is_carried_to_the_client() -> None:
    assert resolve_settings(environ={**BASE, "SSL_CERT_FILE": "/etc/ca.pem"}).ca_bundle == "/etc/ca.pem"


def test_settings_and_credentials_hide_secrets_and_refuse_to_be_pickled() -> None:
    settings = resolve_settings(environ={**BASE, "HW_SECURITY_TOKEN": "TOKEN_ENV"})
    for text in (repr(settings), str(settings), repr(settings.credentials)):
        for secret in ("AK_ENV", "SK_ENV", "TOKEN_ENV"):
            assert secret not in text
    with pytest.raises(TypeError, match="never serialized"):
        pickle.dumps(settings)
    with pytest.raises(TypeError, match="never serialized"):
        pickle.dumps(settings.credentials)


def test_plugin_namespace_is_named_in_messages() -> None:
    with pytest.raises(ConfigurationError, match="css-vpcep:region"):
        resolve_settings(config={}, environ={"HW_ACCESS_KEY": "a", "HW_SECRET_KEY": "b"}, config_namespace="css-vpcep")


def test_pulumi_config_values_may_be_booleans_and_numbers() -> None:
    settings = resolve_settings(config={"insecure": True, "projectId": "p1"}, environ=BASE)
    assert settings.insecure is True
    assert resolve_settings(config={"insecure": False}, environ={**BASE, "HW_INSECURE": "true"}).insecure is False
    assert resolve_settings(environ={**BASE, "HW_MAX_RETRIES": " 7 "}).retry.max_retries == 7


def test_resource_ids_name_region_project_and_cluster() -> None:
    assert parse_resource_id("cn-north-4:p1:c-1") == ("cn-north-4", "p1", "c-1")
    for bad in ("cn-north-4:p1", "cn-north-4:p1:c:1", "CN:p1:c", "cn-north-4:p/1:c", ""):
        with pytest.raises(InvalidInputError, match="id"):
            parse_resource_id(bad)


BAD_CREDENTIALS = {
    "a line break inside": "tok\r\nCANARYPART",
    "a newline inside": "AKPART\nCANARYPART",
    "non-ASCII": "密钥XCANARYPART",
    "an inner space": "CANARY PART",
    "a tab": "CANARY\tPART",
    "a control character": "CANARY\x00PART",
}


@pytest.mark.parametrize("value", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
@pytest.mark.parametrize("variable", ["HW_ACCESS_KEY", "HW_SECRET_KEY", "HW_SECURITY_TOKEN"])
def test_a_malformed_credential_names_its_variable_and_never_shows_its_value(variable: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(environ={**BASE, variable: value})
    message = str(info.value)
    assert f"invalid {variable}:" in message
    assert "printable ASCII" in message
    for shown in (value, "CANARY", "PART", "密钥", repr(value)[1:-1]):
        assert shown not in message
    assert info.value.exit_code == 3


@pytest.mark.parametrize("key", ["accessKey", "secretKey", "securityToken"])
def test_a_malformed_credential_in_pulumi_config_names_its_key(key: str) -> None:
    config = {"accessKey": "AK_CFG", "secretKey": "SK_CFG", key: "tok\r\nCANARYPART"}
    with pytest.raises(ConfigurationError, match=f"invalid Pulumi config huaweicloud:{key}:") as info:
        resolve_settings(config=config, environ=BASE)
    assert "CANARYPART" not in str(info.value)


def test_a_malformed_sdk_variable_is_named_too() -> None:
    env = {"HUAWEICLOUD_SDK_AK": "AK_SDK", "HUAWEICLOUD_SDK_SK": "密钥", "HW_REGION_NAME": "cn-north-4"}
    with pytest.raises(ConfigurationError, match="invalid HUAWEICLOUD_SDK_SK:"):
        resolve_settings(environ=env)


def test_a_credential_keeps_printable_punctuation_and_loses_only_surrounding_whitespace() -> None:
    credentials = resolve_settings(environ={**BASE, "HW_SECRET_KEY": " a+b/c=d~!@#$%^&*()\n"}).credentials.current()
    assert credentials.secret_key == "a+b/c=d~!@#$%^&*()"


def test_the_callers_retry_count_wins_over_hw_max_retries_which_wins_over_the_default() -> None:
    env = {**BASE, "HW_MAX_RETRIES": "2"}
    assert resolve_settings(environ=env, retry=RetryPolicy(max_retries=7)).retry.max_retries == 7
    assert resolve_settings(environ=env, retry=RetryPolicy(base_delay=0.1)).retry == RetryPolicy(
        max_retries=2, base_delay=0.1, total_timeout=180.0
    )
    assert resolve_settings(environ=BASE).retry.attempts == 6


@pytest.mark.parametrize(
    ("given", "seconds"),
    [("90", 90.0), ("90s", 90.0), ("5m", 300.0), ("1m30s", 90.0), ("1.5h", 5400.0), ("250ms", 0.25), (" 2m ", 120.0)],
)
def test_a_read_timeout_is_a_duration_as_custom_timeouts_write_it_or_seconds(given: str, seconds: float) -> None:
    assert resolve_settings(environ={**BASE, "HW_CSS_READ_TIMEOUT": given}).retry.deadline == seconds


@pytest.mark.parametrize("given", ["0", "-5s", "5 minutes", "m", "5m3", "nan", "25h", "1e9"])
def test_a_malformed_read_timeout_is_a_configuration_error_naming_its_source(given: str) -> None:
    with pytest.raises(ConfigurationError, match=r"^invalid HW_CSS_READ_TIMEOUT: "):
        resolve_settings(environ={**BASE, "HW_CSS_READ_TIMEOUT": given})
    with pytest.raises(ConfigurationError, match=r"^invalid Pulumi config css-vpcep:readTimeout: "):
        resolve_settings(environ=BASE, config={"readTimeout": given}, config_namespace="huaweicloud")


def test_the_read_timeout_is_the_callers_then_config_then_hw_css_read_timeout_then_three_minutes() -> None:
    env = {**BASE, "HW_CSS_READ_TIMEOUT": "2m"}
    assert resolve_settings(environ=BASE).retry.deadline == 180.0
    assert resolve_settings(environ=env).retry.deadline == 120.0
    assert resolve_settings(environ=env, config={"readTimeout": "45s"}).retry.deadline == 45.0
    explicit = RetryPolicy(total_timeout=10.0)
    assert resolve_settings(environ=env, config={"readTimeout": "45s"}, retry=explicit).retry.deadline == 10.0


def test_a_misspelt_keyword_of_a_read_is_a_type_error_before_anything_is_sent() -> None:
    from pulumi_css_vpcep import read_vpcep_connections

    with pytest.raises(TypeError, match="'regoin'"):
        read_vpcep_connections("abc", regoin="cn-north-4", environ=BASE)  # type: ignore[call-arg]
