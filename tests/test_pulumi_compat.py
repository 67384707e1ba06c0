"""The parts of Pulumi that ``_pulumi_compat`` relies on and Pulumi does not document as public: each
test names what an upgrade of ``pulumi`` moved, before a user meets it. (``mocks_active`` is exercised
both ways by ``test_resource_program.py``: a program under ``set_mocks`` and one under an engine.)"""

from __future__ import annotations

import importlib.util
import inspect
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental import server
from pulumi.runtime.config import CONFIG

from pulumi_css_vpcep import _pulumi_compat
from pulumi_css_vpcep.errors import ApiError


@pytest.fixture
def restored_format_exc() -> Iterator[None]:
    original = traceback.format_exc
    yield
    traceback.format_exc = original


def test_unknown_is_the_sentinel_the_wire_format_uses_for_an_unknown_value() -> None:
    assert _pulumi_compat.UNKNOWN == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def test_stack_configuration_functions_take_a_full_key() -> None:
    assert list(inspect.signature(_pulumi_compat.get_config).parameters) == ["k"]
    assert list(inspect.signature(_pulumi_compat.is_config_secret).parameters) == ["k"]


def test_the_programs_configuration_keys_are_those_set_in_the_process_and_those_the_host_passed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG", '{"huaweicloud:region": "cn-north-4"}')
    token = CONFIG.set({"css-vpcep:readTimeout": "90s"})
    try:
        assert _pulumi_compat.config_keys() == {"huaweicloud:region", "css-vpcep:readTimeout"}
    finally:
        CONFIG.reset(token)


def test_the_engines_address_is_a_providers_last_argument() -> None:
    assert _pulumi_compat.engine_address(["--logtostderr", "-v=9", "--tracing", "127.0.0.1:9", "127.0.0.1:4"]) == (
        "127.0.0.1:4"
    )
    assert _pulumi_compat.engine_address([]) is None


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("engine_pb2", "LogRequest"),
        ("engine_pb2", "INFO"),
        ("engine_pb2_grpc", "EngineStub"),
        ("provider_pb2", "DiffResponse"),
        ("provider_pb2_grpc", "add_ResourceProviderServicer_to_server"),
    ],
)
def test_the_protocol_modules_have_what_the_plugin_server_uses(module: str, name: str) -> None:
    assert hasattr(getattr(_pulumi_compat, module), name)


def test_the_servicer_and_diff_request_take_what_the_plugin_server_passes() -> None:
    parameters = list(inspect.signature(server.ProviderServicer.__init__).parameters)
    assert parameters == ["self", "args", "version", "provider", "engine_address"]
    fields = list(inspect.signature(p.DiffRequest).parameters)
    assert fields == ["urn", "resource_id", "old_state", "new_inputs", "ignore_changes"]


def test_the_dynamic_provider_host_reports_an_exception_through_traceback_format_exc() -> None:
    # What makes a marked error one line under the CLI: if the host stops calling format_exc, this says so.
    spec = importlib.util.find_spec("pulumi.dynamic.__main__")
    assert spec is not None
    assert spec.origin is not None
    source = Path(spec.origin).read_text(encoding="utf-8")
    assert "import traceback" in source
    assert "traceback.format_exc()" in source


def test_a_marked_error_is_formatted_as_its_line_and_others_keep_their_traceback(restored_format_exc: None) -> None:
    _pulumi_compat.report_marked_errors_in_one_line()
    _pulumi_compat.report_marked_errors_in_one_line()  # once per process, however often it is asked
    marked = ApiError(403, "CSS.0015", "no such cluster", "req-1")
    _pulumi_compat.mark_for_one_line_report(marked)

    try:
        raise marked
    except ApiError:
        assert traceback.format_exc() == "HTTP 403 CSS.0015: no such cluster (request id req-1)"
    try:
        raise ApiError(400, "CSS.5182", "not enabled", "req-2")
    except ApiError:
        assert traceback.format_exc().startswith("Traceback (most recent call last):")


def test_the_dynamic_provider_host_serves_cancel_from_a_generic_handler_registered_at_its_start() -> None:
    # What on_dynamic_host_cancel finds: the host's servicer class, registered with the generated function
    # (a generic handler of pulumirpc.ResourceProvider), and the module it runs as. The behaviour itself is
    # shown through the real host in test_operations.py (four reads held, one Cancel).
    spec = importlib.util.find_spec("pulumi.dynamic.__main__")
    assert spec is not None
    assert spec.name == _pulumi_compat._HOST_MODULE
    assert spec.origin is not None
    source = Path(spec.origin).read_text(encoding="utf-8")
    assert f"class {_pulumi_compat._HOST_SERVICER}(" in source
    assert "add_ResourceProviderServicer_to_server(" in source
    assert "def Cancel(self, request, context):" in source


def test_the_wrapper_passes_any_arguments_on_to_the_original(restored_format_exc: None) -> None:
    original = traceback.format_exc
    _pulumi_compat.report_marked_errors_in_one_line()
    assert traceback.format_exc is not original

    def nested() -> None:
        raise ValueError("inner")

    try:
        try:
            nested()
        except ValueError as inner:
            raise KeyError("outer") from inner
    except KeyError:
        for args, kwargs in [((), {}), ((1,), {}), ((), {"limit": 0}), ((None, False), {}), ((), {"chain": False})]:
            assert traceback.format_exc(*args, **kwargs) == original(*args, **kwargs)  # type: ignore[arg-type]
        assert "ValueError: inner" not in traceback.format_exc(chain=False)
        assert "ValueError: inner" in traceback.format_exc()


def test_a_marked_error_without_a_message_keeps_its_traceback(restored_format_exc: None) -> None:
    _pulumi_compat.report_marked_errors_in_one_line()
    silent = RuntimeError("  ")
    _pulumi_compat.mark_for_one_line_report(silent)

    try:
        raise silent
    except RuntimeError:
        report = traceback.format_exc()
    assert report.startswith("Traceback (most recent call last):")
    assert "RuntimeError" in report


def test_a_format_exc_it_does_not_know_is_left_as_it_is(
    restored_format_exc: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A host or Python whose format_exc cannot be called without arguments: nothing is wrapped.
    def unknown(exc: BaseException) -> str:
        return f"unknown {exc}"

    monkeypatch.setattr(traceback, "format_exc", unknown)
    _pulumi_compat.report_marked_errors_in_one_line()

    current: Callable[..., str] = traceback.format_exc
    assert current is unknown


def test_the_wrapper_accepts_arguments_a_later_python_may_add(
    restored_format_exc: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def later(limit: int | None = None, chain: bool = True, *, colorize: bool = False) -> str:
        return f"later {limit} {chain} {colorize}"

    monkeypatch.setattr(traceback, "format_exc", later)
    _pulumi_compat.report_marked_errors_in_one_line()

    current: Callable[..., str] = traceback.format_exc
    assert current is not later
    assert current(3, colorize=True) == "later 3 True True"
