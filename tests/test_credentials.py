"""Credentials the way teams have them: each source reads the cluster with the key it should give, against a
service that grants the cluster only to that key's principal; temporary keys are shared and renewed."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_css_vpcep._credentials import PROVIDERS, TemporaryCredentials
from pulumi_css_vpcep._read import aread_outputs, read_outputs
from pulumi_css_vpcep._settings import resolve_settings
from pulumi_css_vpcep.emulator import (
    SAMPLE_ACCESS_KEY,
    SAMPLE_CLUSTER_ID,
    SAMPLE_PROJECT_ID,
    SAMPLE_REGION,
    SAMPLE_SECRET_KEY,
    Emulator,
    sample_state,
)
from pulumi_css_vpcep.emulator._samples import (
    SAMPLE_AGENCY,
    SAMPLE_DOMAIN_NAME,
    SAMPLE_ID_TOKEN,
    SAMPLE_IDENTITY_PROVIDER,
)
from pulumi_css_vpcep.errors import ApiError, ConfigurationError
from tests.command import assert_one_line_error, run_cli

PROFILE_KEY, PROFILE_SECRET = "PROFILEKEY0000000001", "profile-secret-key-0001"
OTHER_KEY, OTHER_SECRET = "OTHERKEY000000000002", "other-secret-key-0002"
SDK_KEY, SDK_SECRET = "SDKFILEKEY0000000003", "sdk-file-secret-key-0003"
AGENCY = f"agency:{SAMPLE_DOMAIN_NAME}/{SAMPLE_AGENCY}"


@pytest.fixture
def service() -> Iterator[Emulator]:
    """The emulator with the sample data, and two more key pairs it knows."""
    state = sample_state()
    state.credentials |= {PROFILE_KEY: PROFILE_SECRET, OTHER_KEY: OTHER_SECRET, SDK_KEY: SDK_SECRET}
    with Emulator(state) as emu:
        yield emu


def grant(service: Emulator, *principals: str) -> None:
    """Let only ``principals`` read the sample cluster; any other key gets 403 CSS.0015."""
    service.state.clusters[SAMPLE_CLUSTER_ID].granted_to = list(principals)


def only(service: Emulator, home: Path, **source: str) -> dict[str, str]:
    """The environment of a read with a fresh HOME, the emulator's endpoints, and ``source`` alone."""
    return {"HOME": str(home), "HW_CSS_ENDPOINT": service.url, "HW_AUTH_URL": f"{service.url}/v3", **source}


def with_region(service: Emulator, home: Path, **source: str) -> dict[str, str]:
    return {**only(service, home, **source), "HW_REGION_NAME": SAMPLE_REGION, "HW_PROJECT_ID": SAMPLE_PROJECT_ID}


def assert_exact(service: Emulator, outputs: dict[str, Any]) -> None:
    served = service.state.clusters[SAMPLE_CLUSTER_ID].connections
    assert outputs["total_count"] == len(served) == 3
    assert [c["id"] for c in outputs["connections"]] == [c["id"] for c in served]


def command_reads(env: dict[str, str], service: Emulator) -> None:
    result = run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, env=env)
    assert result.returncode == 0, result.stderr
    assert_exact(service, json.loads(result.stdout))


def koocli_file(path: Path, current: str, *profiles: dict[str, Any], **top: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"current": current, "profiles": list(profiles), **top}), encoding="utf-8")
    return path


def aksk_profile(name: str, key: str, secret: str, **more: str) -> dict[str, Any]:
    return {"name": name, "mode": "AKSK", "accessKeyId": key, "secretAccessKey": secret, "securityToken": "", **more}


# --- Each source, through the command, with a fresh HOME and only that source set ----------------------------


def test_a_koocli_profile_chosen_by_hw_profile_wins_over_the_files_current(service: Emulator, tmp_path: Path) -> None:
    grant(service, f"key:{PROFILE_KEY}")
    config = koocli_file(tmp_path / "hcloud.json", "other", aksk_profile("other", OTHER_KEY, OTHER_SECRET),
                         aksk_profile("ci", PROFILE_KEY, PROFILE_SECRET), authEncrypt="false")
    env = with_region(service, tmp_path / "home", HW_SHARED_CONFIG_FILE=str(config), HW_PROFILE="ci")
    command_reads(env, service)


def test_the_files_current_profile_is_used_without_hw_profile(service: Emulator, tmp_path: Path) -> None:
    grant(service, f"key:{OTHER_KEY}")
    config = koocli_file(tmp_path / "hcloud.json", "other", aksk_profile("other", OTHER_KEY, OTHER_SECRET),
                         aksk_profile("ci", PROFILE_KEY, PROFILE_SECRET))
    command_reads(with_region(service, tmp_path / "home", HW_SHARED_CONFIG_FILE=str(config)), service)


def test_the_default_koocli_file_gives_keys_region_and_project(service: Emulator, tmp_path: Path) -> None:
    grant(service, f"key:{PROFILE_KEY}")
    home = tmp_path / "home"
    koocli_file(home / ".hcloud" / "config.json", "default",
                aksk_profile("default", PROFILE_KEY, PROFILE_SECRET, region=SAMPLE_REGION, projectId=SAMPLE_PROJECT_ID))
    service.state.reset_counts()
    command_reads(only(service, home, HW_PROFILE="default"), service)  # no HW_REGION_NAME, no HW_PROJECT_ID
    assert service.state.requests["iam"] == 0  # the profile's project id: no lookup


def test_the_sdks_credentials_file_gives_the_keys_and_project(service: Emulator, tmp_path: Path) -> None:
    grant(service, f"key:{SDK_KEY}")
    home = tmp_path / "home"
    (home / ".huaweicloud").mkdir(parents=True)
    (home / ".huaweicloud" / "credentials").write_text(
        f"[basic]\nak = {SDK_KEY}\nsk = {SDK_SECRET}\nproject_id = {SAMPLE_PROJECT_ID}\n", encoding="utf-8")
    command_reads({**only(service, home), "HW_REGION_NAME": SAMPLE_REGION}, service)


def test_an_agency_is_assumed_with_the_static_keys(service: Emulator, tmp_path: Path) -> None:
    grant(service, AGENCY)
    env = with_region(service, tmp_path / "home", HW_ACCESS_KEY=SAMPLE_ACCESS_KEY, HW_SECRET_KEY=SAMPLE_SECRET_KEY,
                      HW_ASSUME_ROLE_AGENCY_NAME=SAMPLE_AGENCY, HW_ASSUME_ROLE_DOMAIN_NAME=SAMPLE_DOMAIN_NAME)
    command_reads(env, service)
    assert service.state.requests["iam:securitytokens"] == 1


def test_the_base_key_alone_is_refused_where_only_the_agency_is_granted(service: Emulator, tmp_path: Path) -> None:
    grant(service, AGENCY)
    env = with_region(service, tmp_path / "home", HW_ACCESS_KEY=SAMPLE_ACCESS_KEY, HW_SECRET_KEY=SAMPLE_SECRET_KEY)
    assert "CSS.0015" in assert_one_line_error(run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, env=env), 4)


def test_oidc_reads_with_the_keys_of_an_id_token_file(service: Emulator, tmp_path: Path) -> None:
    grant(service, f"idp:{SAMPLE_IDENTITY_PROVIDER}")
    token_file = tmp_path / "id-token"
    token_file.write_text(SAMPLE_ID_TOKEN + "\n", encoding="utf-8")
    env = with_region(service, tmp_path / "home", HW_ASSUME_ROLE_IDP_ID=SAMPLE_IDENTITY_PROVIDER,
                      HW_ASSUME_ROLE_ID_TOKEN_FILE=str(token_file))
    command_reads(env, service)
    assert service.state.requests["iam:id-token"] == 1


def test_the_instances_agency_is_read_through_metadata_when_asked(service: Emulator, tmp_path: Path) -> None:
    grant(service, "instance")
    env = with_region(service, tmp_path / "home", HW_USE_ECS_METADATA="true", HW_ECS_METADATA_ENDPOINT=service.url)
    command_reads(env, service)
    assert service.state.requests["metadata"] == 2  # the session token, then the keys


def test_a_koocli_ecs_agency_profile_reads_through_metadata(service: Emulator, tmp_path: Path) -> None:
    grant(service, "instance")
    config = koocli_file(tmp_path / "hcloud.json", "ecs", {"name": "ecs", "mode": "ecsAgency"})
    env = with_region(service, tmp_path / "home", HW_SHARED_CONFIG_FILE=str(config),
                      HW_ECS_METADATA_ENDPOINT=service.url)
    command_reads(env, service)


def test_a_koocli_profile_with_an_agency_assumes_it_with_the_profiles_keys(service: Emulator, tmp_path: Path) -> None:
    grant(service, AGENCY)
    config = koocli_file(tmp_path / "hcloud.json", "p", aksk_profile(
        "p", PROFILE_KEY, PROFILE_SECRET, agencyName=SAMPLE_AGENCY, agencyDomainName=SAMPLE_DOMAIN_NAME))
    command_reads(with_region(service, tmp_path / "home", HW_SHARED_CONFIG_FILE=str(config)), service)


# --- One line when something is wrong -------------------------------------------------------------------------


def test_no_credentials_anywhere_is_one_line_exit_3_fast_and_asks_no_metadata(
    service: Emulator, tmp_path: Path
) -> None:
    env = with_region(service, tmp_path / "home", HW_ECS_METADATA_ENDPOINT=service.url)
    started = time.monotonic()
    result = run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, env=env)
    elapsed = time.monotonic() - started
    line = assert_one_line_error(result, 3)
    for place in ("HW_ACCESS_KEY", "HUAWEICLOUD_SDK_AK", "HW_PROFILE", "HW_SHARED_CONFIG_FILE",
                  "HUAWEICLOUD_SDK_CREDENTIALS_FILE", ".huaweicloud/credentials", "HW_ASSUME_ROLE_IDP_ID",
                  "HW_USE_ECS_METADATA=true"):
        assert place in line
    assert sum(service.state.requests.values()) == 0
    assert elapsed < 5  # a whole Python process; the read itself gives up at once


def test_an_unknown_agency_is_one_line_exit_3(service: Emulator, tmp_path: Path) -> None:
    env = with_region(service, tmp_path / "home", HW_ACCESS_KEY=SAMPLE_ACCESS_KEY, HW_SECRET_KEY=SAMPLE_SECRET_KEY,
                      HW_ASSUME_ROLE_AGENCY_NAME="no-such-agency", HW_ASSUME_ROLE_DOMAIN_NAME=SAMPLE_DOMAIN_NAME)
    line = assert_one_line_error(run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, env=env), 3)
    assert "no-such-agency" in line
    assert "HTTP 404" in line
    assert SAMPLE_SECRET_KEY not in line
    assert SAMPLE_ACCESS_KEY not in line


def test_an_encrypted_koocli_file_says_how_to_store_keys_unencrypted(service: Emulator, tmp_path: Path) -> None:
    config = koocli_file(tmp_path / "hcloud.json", "default",
                         aksk_profile("default", "c2VjcmV0LWNpcGhlcg==", "ZW5jcnlwdGVk"), authEncrypt="true")
    env = with_region(service, tmp_path / "home", HW_SHARED_CONFIG_FILE=str(config))
    line = assert_one_line_error(run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, env=env), 3)
    assert "--cli-auth-encrypt=false" in line
    assert str(config) in line
    assert "c2VjcmV0" not in line


@pytest.mark.parametrize(("profile", "named"), [("missing", "no profile 'missing'"), ("empty", "has no keys")])
def test_a_missing_profile_or_key_names_the_file_and_the_profile(
    service: Emulator, tmp_path: Path, profile: str, named: str
) -> None:
    config = koocli_file(tmp_path / "hcloud.json", "empty", {"name": "empty", "mode": "AKSK"})
    env = with_region(service, tmp_path / "home", HW_SHARED_CONFIG_FILE=str(config), HW_PROFILE=profile)
    line = assert_one_line_error(run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, env=env), 3)
    assert named in line
    assert str(config) in line
    assert profile in line


def test_a_missing_koocli_file_is_named(service: Emulator, tmp_path: Path) -> None:
    env = with_region(service, tmp_path / "home", HW_PROFILE="default")
    line = assert_one_line_error(run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, env=env), 3)
    assert str(tmp_path / "home" / ".hcloud" / "config.json") in line
    assert "does not exist" in line


@pytest.mark.parametrize("duration", ["899", "86401", "1h", "-5"])
def test_a_duration_outside_900_to_86400_names_the_variable(duration: str, tmp_path: Path) -> None:
    env = {"HW_ACCESS_KEY": "AK", "HW_SECRET_KEY": "SK", "HW_REGION_NAME": SAMPLE_REGION, "HOME": str(tmp_path),
           "HW_ASSUME_ROLE_AGENCY_NAME": "a", "HW_ASSUME_ROLE_DOMAIN_NAME": "d", "HW_ASSUME_ROLE_DURATION": duration}
    with pytest.raises(ConfigurationError, match="invalid HW_ASSUME_ROLE_DURATION"):
        resolve_settings(environ=env)


def test_an_agency_without_a_domain_names_both_variables(tmp_path: Path) -> None:
    env = {"HW_ACCESS_KEY": "AK", "HW_SECRET_KEY": "SK", "HW_REGION_NAME": SAMPLE_REGION, "HOME": str(tmp_path),
           "HW_ASSUME_ROLE_AGENCY_NAME": "a"}
    with pytest.raises(ConfigurationError, match="HW_ASSUME_ROLE_DOMAIN_NAME nor HW_ASSUME_ROLE_DOMAIN_ID"):
        resolve_settings(environ=env)


def test_an_id_token_without_an_identity_provider_is_a_configuration_error(tmp_path: Path) -> None:
    env = {"HW_REGION_NAME": SAMPLE_REGION, "HOME": str(tmp_path), "HW_ASSUME_ROLE_ID_TOKEN": "t"}
    with pytest.raises(ConfigurationError, match="HW_ASSUME_ROLE_ID_TOKEN is set but HW_ASSUME_ROLE_IDP_ID"):
        resolve_settings(environ=env)


def test_a_401_names_the_source_of_the_key_never_the_key(service: Emulator, tmp_path: Path) -> None:
    env = with_region(service, tmp_path / "home", HW_ACCESS_KEY="UNKNOWNKEY0000000009", HW_SECRET_KEY="unknown-sk-9")
    line = assert_one_line_error(run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, env=env), 4)
    assert "HTTP 401" in line
    assert "signed with the key from HW_ACCESS_KEY" in line
    assert "UNKNOWNKEY0000000009" not in line
    assert "unknown-sk-9" not in line


def test_a_401_with_agency_keys_names_the_agency_and_its_base(service: Emulator, tmp_path: Path) -> None:
    env = with_region(service, tmp_path / "home", HW_ACCESS_KEY=SAMPLE_ACCESS_KEY, HW_SECRET_KEY=SAMPLE_SECRET_KEY,
                      HW_ASSUME_ROLE_AGENCY_NAME=SAMPLE_AGENCY, HW_ASSUME_ROLE_DOMAIN_NAME=SAMPLE_DOMAIN_NAME)
    assert_exact(service, read_outputs(SAMPLE_CLUSTER_ID, environ=env))
    for key in service.state.identity.issued.values():  # the gateway no longer knows their token: 401 APIGW.0301
        object.__setattr__(key, "security_token", "revoked")
    with pytest.raises(ApiError) as info:
        read_outputs(SAMPLE_CLUSTER_ID, environ=env)
    assert info.value.status == 401
    source = f"the agency {SAMPLE_AGENCY} of {SAMPLE_DOMAIN_NAME} assumed with the key from HW_ACCESS_KEY"
    assert source in str(info.value)


# --- Configuration keys of the Pulumi faces ------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    {"agencyName": SAMPLE_AGENCY, "domainName": SAMPLE_DOMAIN_NAME, "duration": 900.0},
    json.dumps({"agencyName": SAMPLE_AGENCY, "domainName": SAMPLE_DOMAIN_NAME}),
], ids=["object", "json-text"])
def test_pulumi_config_assume_role_assumes_the_agency(service: Emulator, tmp_path: Path, value: Any) -> None:
    grant(service, AGENCY)
    config = {"accessKey": SAMPLE_ACCESS_KEY, "secretKey": SAMPLE_SECRET_KEY, "assumeRole": value}
    assert_exact(service, read_outputs(SAMPLE_CLUSTER_ID, config=config, environ=with_region(service, tmp_path)))


def test_an_unknown_field_of_assume_role_is_named(tmp_path: Path) -> None:
    config = {"accessKey": "AK", "secretKey": "SK", "region": SAMPLE_REGION,
              "assumeRole": {"agencyName": "a", "domian": "d"}}
    with pytest.raises(ConfigurationError, match="css-vpcep:assumeRole: unknown field 'domian'"):
        resolve_settings(config=config, environ={"HOME": str(tmp_path)}, config_namespace="css-vpcep")


def test_pulumi_config_profile_and_shared_config_file_choose_the_profile(service: Emulator, tmp_path: Path) -> None:
    grant(service, f"key:{PROFILE_KEY}")
    config_file = koocli_file(tmp_path / "hcloud.json", "other", aksk_profile("other", OTHER_KEY, OTHER_SECRET),
                              aksk_profile("ci", PROFILE_KEY, PROFILE_SECRET))
    config = {"sharedConfigFile": str(config_file), "profile": "ci"}
    assert_exact(service, read_outputs(SAMPLE_CLUSTER_ID, config=config, environ=with_region(service, tmp_path)))


# --- Temporary keys: one provider per process, renewed before they expire -----------------------------------


def agency_env(service: Emulator, home: Path) -> dict[str, str]:
    return with_region(service, home, HW_ACCESS_KEY=SAMPLE_ACCESS_KEY, HW_SECRET_KEY=SAMPLE_SECRET_KEY,
                       HW_ASSUME_ROLE_AGENCY_NAME=SAMPLE_AGENCY, HW_ASSUME_ROLE_DOMAIN_NAME=SAMPLE_DOMAIN_NAME)


def test_agency_keys_living_3_s_are_renewed_across_16_reads_over_8_s(service: Emulator, tmp_path: Path) -> None:
    grant(service, AGENCY)
    service.state.identity.lifetime = 3
    env = agency_env(service, tmp_path)
    started = time.monotonic()
    for number in range(16):
        time.sleep(max(0.0, started + number * 0.5 - time.monotonic()))
        assert_exact(service, read_outputs(SAMPLE_CLUSTER_ID, environ=env))
    assert time.monotonic() - started >= 7.5
    # At least one renewal every 2.25 s of the 7.5 s; the 401 of an expired key never reached a read.
    assert service.state.requests["iam:securitytokens"] >= 4
    assert service.state.requests["status:401"] == 0


def test_keys_living_an_hour_are_fetched_once_for_10_reads(service: Emulator, tmp_path: Path) -> None:
    grant(service, AGENCY)
    env = agency_env(service, tmp_path)
    for _ in range(10):
        assert_exact(service, read_outputs(SAMPLE_CLUSTER_ID, environ=env))
    assert service.state.requests["iam:securitytokens"] == 1


def test_concurrent_reads_share_one_fetch_of_temporary_keys(service: Emulator, tmp_path: Path) -> None:
    grant(service, AGENCY)
    service.state.latency = 0.05  # every read arrives while the first fetch is under way
    env = agency_env(service, tmp_path)

    async def many() -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(aread_outputs(SAMPLE_CLUSTER_ID, environ=env) for _ in range(12))))

    for outputs in asyncio.run(many()):
        assert_exact(service, outputs)
    threads = [threading.Thread(target=read_outputs, args=(SAMPLE_CLUSTER_ID,), kwargs={"environ": env})
               for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert service.state.requests["iam:securitytokens"] == 1


def test_a_401_saying_the_token_expired_renews_once_and_repeats_the_request(
    service: Emulator, tmp_path: Path
) -> None:
    grant(service, AGENCY)
    env = agency_env(service, tmp_path)
    assert_exact(service, read_outputs(SAMPLE_CLUSTER_ID, environ=env))
    for key in service.state.identity.issued.values():  # the service ends them early, as it may
        object.__setattr__(key, "expires_at", time.time() - 1)
    assert_exact(service, read_outputs(SAMPLE_CLUSTER_ID, environ=env))
    assert service.state.requests["status:401"] == 1
    assert service.state.requests["iam:securitytokens"] == 2


def test_the_id_token_file_is_read_again_at_each_renewal(service: Emulator, tmp_path: Path) -> None:
    grant(service, f"idp:{SAMPLE_IDENTITY_PROVIDER}")
    service.state.identity.lifetime = 1
    token_file = tmp_path / "id-token"
    token_file.write_text(SAMPLE_ID_TOKEN, encoding="utf-8")
    env = with_region(service, tmp_path / "home", HW_ASSUME_ROLE_IDP_ID=SAMPLE_IDENTITY_PROVIDER,
                      HW_ASSUME_ROLE_ID_TOKEN_FILE=str(token_file))
    assert_exact(service, read_outputs(SAMPLE_CLUSTER_ID, environ=env))
    # CI rotates the token: the old one is no longer accepted.
    service.state.identity.identity_providers[SAMPLE_IDENTITY_PROVIDER] = ["rotated-id-token"]
    token_file.write_text("rotated-id-token", encoding="utf-8")
    time.sleep(1.1)
    assert_exact(service, read_outputs(SAMPLE_CLUSTER_ID, environ=env))
    assert service.state.requests["iam:id-token"] == 2


def test_one_provider_serves_every_read_of_a_source(service: Emulator, tmp_path: Path) -> None:
    env = agency_env(service, tmp_path)
    first, second = resolve_settings(environ=env), resolve_settings(environ=dict(env))
    assert isinstance(first.credentials, TemporaryCredentials)
    assert first.credentials is second.credentials
    PROVIDERS.clear()
    assert resolve_settings(environ=env).credentials is not first.credentials


def test_static_keys_are_their_own_provider_and_never_renewed(tmp_path: Path) -> None:
    env = {"HW_ACCESS_KEY": "AK", "HW_SECRET_KEY": "SK", "HW_REGION_NAME": SAMPLE_REGION, "HOME": str(tmp_path)}
    credentials = resolve_settings(environ=env).credentials
    assert credentials.current() is credentials
    assert credentials.renew(credentials.current()) is None
    assert repr(PROVIDERS) == "Providers(0 source(s))"


def test_static_keys_win_over_every_other_source(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".huaweicloud").mkdir(parents=True)
    (home / ".huaweicloud" / "credentials").write_text("[basic]\nak = SDKAK\nsk = SDKSK\n", encoding="utf-8")
    env = {"HW_ACCESS_KEY": "AK", "HW_SECRET_KEY": "SK", "HW_REGION_NAME": SAMPLE_REGION, "HOME": str(home),
           "HW_USE_ECS_METADATA": "true", "HW_ASSUME_ROLE_IDP_ID": "idp", "HW_ASSUME_ROLE_ID_TOKEN": "t"}
    credentials = resolve_settings(environ=env).credentials
    assert credentials.current().access_key == "AK"
    assert os.path.exists(home / ".huaweicloud" / "credentials")


def test_a_metadata_api_without_session_tokens_is_read_without_one(service: Emulator, tmp_path: Path) -> None:
    from pulumi_css_vpcep.emulator import Fault

    grant(service, "instance")
    service.state.set_faults([Fault(kind="status", status=405, times=1, target="any")])  # the token's PUT
    env = with_region(service, tmp_path, HW_USE_ECS_METADATA="true", HW_ECS_METADATA_ENDPOINT=service.url)
    assert_exact(service, read_outputs(SAMPLE_CLUSTER_ID, environ=env))
    assert service.state.requests["metadata"] == 2
    assert not service.state.identity.metadata_tokens  # the keys were asked for without a session token


def test_an_unreachable_metadata_api_is_one_line_after_a_few_quick_tries(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "HW_REGION_NAME": SAMPLE_REGION, "HW_PROJECT_ID": SAMPLE_PROJECT_ID,
           "HW_USE_ECS_METADATA": "true", "HW_ECS_METADATA_ENDPOINT": "http://127.0.0.1:9"}
    started = time.monotonic()
    line = assert_one_line_error(run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, env=env), 5)
    assert "the metadata API at http://127.0.0.1:9 (HW_USE_ECS_METADATA)" in line
    assert "after 3 attempts" in line
    assert time.monotonic() - started < 10


def test_the_commands_help_names_the_sources_of_keys() -> None:
    result = run_cli("connections", "--help")
    shown = " ".join(result.stdout.split())
    for name in ("HW_ACCESS_KEY", "HW_PROFILE", "HW_SHARED_CONFIG_FILE", "~/.huaweicloud/credentials",
                 "HW_ASSUME_ROLE_IDP_ID", "HW_USE_ECS_METADATA=true", "HW_ASSUME_ROLE_AGENCY_NAME"):
        assert name in shown
