"""Tests for the esbuild service client (cfaction.ops.worker.bundling.esbuild): the packet
codec and framing on bytes alone, startup failures with stand-in binaries (Python scripts),
and builds, plugins, errors, timeouts and cleanup with the real esbuild binary."""

from __future__ import annotations

import gc
import io
import json
import os
import re
import signal
import struct
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from cfaction.ops.worker.bundling import esbuild as esbuild_module
from cfaction.ops.worker.bundling.esbuild import (
    MAX_NESTING,
    MAX_PACKET_BYTES,
    BuildResult,
    Esbuild,
    EsbuildError,
    EsbuildRequestError,
    EsbuildServiceError,
    EsbuildTimeoutError,
    EsbuildUnavailableError,
    EsbuildVersionError,
    LoadArgs,
    LoadResult,
    Location,
    Message,
    Packet,
    Plugin,
    PluginBuild,
    ResolveArgs,
    Resolved,
    ResolveResult,
    Value,
    binary_version,
    decode_packet,
    encode_packet,
    read_frame,
)
from cfaction.ops.worker.bundling.tools import ESBUILD_VERSION
from tests.harness.bundler import esbuild_binary

BUNDLE = ["--bundle", "--format=esm", "--log-level=silent"]


# The codec, on bytes alone


def frame(body: bytes) -> bytes:
    return struct.pack("<I", len(body)) + body


def test_a_packet_is_encoded_byte_for_byte_as_the_protocol_says() -> None:
    encoded = encode_packet(Packet(3, True, {"command": "ping", "ok": [None, True, -1, b"\x00"]}))

    body = (
        struct.pack("<I", 3 << 1)  # a request: the low bit is clear
        + b"\x06"
        + struct.pack("<I", 2)
        + struct.pack("<I", 7)
        + b"command\x03"
        + struct.pack("<I", 4)
        + b"ping"
        + struct.pack("<I", 2)
        + b"ok\x05"
        + struct.pack("<I", 4)
        + b"\x00"
        + b"\x01\x01"
        + b"\x02\xff\xff\xff\xff"
        + b"\x04"
        + struct.pack("<I", 1)
        + b"\x00"
    )
    assert encoded == frame(body)


def test_a_response_sets_the_low_bit_of_the_id() -> None:
    assert encode_packet(Packet(5, False, None)) == frame(struct.pack("<I", 11) + b"\x00")


def test_every_value_type_survives_a_round_trip() -> None:
    value: Value = {
        "none": None,
        "yes": True,
        "no": False,
        "ints": [0, 1, -1, 2**31 - 1, -(2**31)],
        "text": "héllo ✓",
        "empty": "",
        "bytes": bytes(range(256)),
        "nested": [{"a": [[], {}]}, ["x"]],
    }
    encoded = encode_packet(Packet(42, False, value))

    assert struct.unpack("<I", encoded[:4])[0] == len(encoded) - 4
    assert decode_packet(encoded[4:]) == Packet(42, False, value)


def test_ints_above_31_bits_arrive_signed_as_esbuild_0_27_reads_them() -> None:
    encoded = encode_packet(Packet(0, True, 2**32 - 1))

    assert encoded[-5:] == b"\x02\xff\xff\xff\xff"
    assert decode_packet(encoded[4:]).value == -1


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (1.5, TypeError),
        ({1, 2}, TypeError),
        ({1: "a"}, TypeError),
        (2**32, ValueError),
        (-(2**31) - 1, ValueError),
    ],
)
def test_values_the_protocol_cannot_carry_are_refused(value: object, error: type) -> None:
    with pytest.raises(error):
        encode_packet(Packet(0, True, value))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (struct.pack("<I", 0) + b"\x00\x00", "after the value"),
        (struct.pack("<I", 0) + b"\x03" + struct.pack("<I", 10) + b"abc", "ends inside"),
        (struct.pack("<I", 0) + b"\x07", "unknown value type 7"),
        (struct.pack("<I", 0) + b"\x03" + struct.pack("<I", 1) + b"\xff", "utf-8"),
        (struct.pack("<I", 0) + (b"\x05" + struct.pack("<I", 1)) * (MAX_NESTING + 2), "deeply"),
        (b"\x00\x00", "ends inside"),
    ],
)
def test_malformed_packets_are_a_service_error(body: bytes, problem: str) -> None:
    with pytest.raises(EsbuildServiceError, match=problem):
        decode_packet(body)


def test_frames_are_read_one_by_one_until_the_end() -> None:
    stream = io.BytesIO(frame(b"0.27.3") + frame(b"") + frame(b"xyz"))

    assert [read_frame(stream), read_frame(stream), read_frame(stream)] == [b"0.27.3", b"", b"xyz"]
    assert read_frame(stream) is None


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\x05\x00", "inside a packet length"),
        (struct.pack("<I", 10) + b"short", "inside a packet"),
        (struct.pack("<I", MAX_PACKET_BYTES + 1) + b"x" * 16, "limit"),
    ],
)
def test_a_cut_or_oversized_frame_is_a_service_error(data: bytes, problem: str) -> None:
    with pytest.raises(EsbuildServiceError, match=problem):
        read_frame(io.BytesIO(data))


def test_a_message_reads_as_esbuild_words_a_failure() -> None:
    where = Location(file="src/a.js", line=3, column=7, line_text="x")

    assert str(Message("boom", where, plugin_name="p")) == "src/a.js:3:7: [plugin: p] boom"
    assert str(Message("plain")) == "plain"


# Stand-in binaries: what happens when the binary is not a working esbuild

FAKE = """#!{python}
import os, struct, sys, time
if "--version" in sys.argv:
    print({version!r})
    sys.exit(0)
with open({pidfile!r}, "w") as f:
    f.write(str(os.getpid()))
def send(data):
    sys.stdout.buffer.write(struct.pack("<I", len(data)) + data)
    sys.stdout.buffer.flush()
mode = {mode!r}
if mode == "exits":
    sys.stderr.write("fake: cannot start the service\\n")
    sys.exit(3)
if mode == "silent":
    time.sleep(60)
if mode == "other-version":
    send(b"0.27.4")
if mode == "oversized":
    send({version!r}.encode())
    sys.stdout.buffer.write(struct.pack("<I", 0xFFFFFFF0))
    sys.stdout.buffer.flush()
sys.stdin.buffer.read()
"""


def fake_binary(folder: Path, mode: str, version: str = ESBUILD_VERSION) -> Path:
    path = folder / "esbuild"
    path.write_text(
        FAKE.format(python=sys.executable, version=version, pidfile=str(folder / "pid"), mode=mode)
    )
    path.chmod(0o755)
    return path


def process_gone(folder: Path) -> bool:
    """Whether the stand-in that wrote ``folder/pid`` has exited and been reaped."""
    pid = int((folder / "pid").read_text())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_missing_binary_says_to_install_esbuild(tmp_path: Path) -> None:
    with pytest.raises(EsbuildUnavailableError, match=r"does not exist\. Install it"):
        Esbuild(tmp_path / "nowhere" / "esbuild")


def test_a_binary_that_is_not_executable_says_so(tmp_path: Path) -> None:
    path = tmp_path / "esbuild"
    path.write_bytes(b"\x7fELF")
    path.chmod(0o644)

    with pytest.raises(EsbuildUnavailableError, match="not an executable file"):
        binary_version(path)


def test_a_program_that_prints_no_version_is_not_esbuild(tmp_path: Path) -> None:
    with pytest.raises(EsbuildUnavailableError, match="is not an esbuild binary"):
        Esbuild(fake_binary(tmp_path, "silent", version="hello"))


def test_another_version_than_expected_is_a_version_error() -> None:
    with pytest.raises(
        EsbuildVersionError, match=rf"is version {re.escape(ESBUILD_VERSION)}, not 0\.27\.2"
    ):
        Esbuild(esbuild_binary(), expected_version="0.27.2")


def test_a_service_speaking_another_version_is_a_version_error(tmp_path: Path) -> None:
    with pytest.raises(EsbuildVersionError, match=r"speaks '0\.27\.4'"):
        Esbuild(fake_binary(tmp_path, "other-version"))

    assert process_gone(tmp_path)


def test_a_service_that_exits_at_once_quotes_its_stderr(tmp_path: Path) -> None:
    with pytest.raises(EsbuildUnavailableError, match=r"exit code 3.*fake: cannot start"):
        Esbuild(fake_binary(tmp_path, "exits"))

    assert process_gone(tmp_path)


def test_a_service_that_never_greets_times_out_and_is_killed(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(EsbuildTimeoutError, match="did not start within 1 s"):
        Esbuild(fake_binary(tmp_path, "silent"), timeout=1)

    assert time.monotonic() - started < 5
    assert process_gone(tmp_path)


def test_a_broken_stream_fails_the_build_and_kills_the_service(tmp_path: Path) -> None:
    service = Esbuild(fake_binary(tmp_path, "oversized"))
    try:
        with pytest.raises(EsbuildServiceError, match=r"over the \d+ byte limit"):
            service.build([("", "a.js")], [], working_dir=tmp_path)
        assert not service.running
    finally:
        service.close()
    assert process_gone(tmp_path)


# The real binary


@pytest.fixture(scope="module")
def binary() -> Path:
    return esbuild_binary()


@pytest.fixture
def esbuild(binary: Path) -> Iterator[Esbuild]:
    with Esbuild(binary, expected_version=ESBUILD_VERSION, timeout=60) as service:
        yield service
    assert not service.running


def project(root: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def only_output(result: BuildResult) -> str:
    assert result.errors == ()
    assert len(result.output_files) == 1
    return result.output_files[0].text


def test_binary_version_reads_the_real_binary(binary: Path) -> None:
    assert binary_version(binary) == ESBUILD_VERSION


def test_a_plain_build_bundles_into_memory(esbuild: Esbuild, tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "src/index.js": 'import { x } from "./x";\nexport default { x };\n',
            "src/x.js": 'export const x = "from x";\n',
        },
    )

    result = esbuild.build([("", "src/index.js")], BUNDLE, working_dir=root)

    assert esbuild.version == ESBUILD_VERSION
    code = only_output(result)
    assert 'var x = "from x";' in code
    assert "export {\n  index_default as default\n};" in code
    assert result.output_files[0].path == "<stdout>"
    assert result.output_files[0].hash
    assert result.metafile is None
    assert result.warnings == ()


def test_a_syntax_error_comes_back_with_its_file_and_line(esbuild: Esbuild, tmp_path: Path) -> None:
    root = project(tmp_path, {"src/bad.js": "export const ok = 1;\nexport const = 2;\n"})

    result = esbuild.build([("", "src/bad.js")], BUNDLE, working_dir=root)

    assert result.output_files == ()
    [error] = result.errors
    assert error.text == 'Expected identifier but found "="'
    assert error.location == Location(
        file="src/bad.js", line=2, column=13, line_text="export const = 2;"
    )
    assert error.plugin_name == ""


def test_warnings_come_back_beside_the_output(esbuild: Esbuild, tmp_path: Path) -> None:
    root = project(tmp_path, {"a.js": "export const o = { k: 1, k: 2 };\n"})

    result = esbuild.build([("", "a.js")], BUNDLE, working_dir=root)

    only_output(result)
    [warning] = result.warnings
    assert warning.text == 'Duplicate key "k" in object literal'
    assert warning.location is not None and warning.location.line == 1
    assert warning.notes == ('The original key "k" is here:',)


def test_a_flag_esbuild_does_not_know_is_a_request_error(esbuild: Esbuild, tmp_path: Path) -> None:
    with pytest.raises(EsbuildRequestError, match='Invalid build flag: "--bundel"'):
        esbuild.build([("", "a.js")], ["--bundel"], working_dir=tmp_path)

    assert esbuild.running  # a refused request leaves the service usable


def test_the_metafile_is_parsed(esbuild: Esbuild, tmp_path: Path) -> None:
    root = project(tmp_path, {"src/index.js": 'import "./dep";\n', "src/dep.js": "1;\n"})

    result = esbuild.build(
        [("", "src/index.js")], [*BUNDLE, "--metafile", "--outdir=dist"], working_dir=root
    )

    assert result.metafile is not None
    assert set(result.metafile["inputs"]) == {"src/index.js", "src/dep.js"}
    assert set(result.metafile["outputs"]) == {"dist/index.js"}
    assert result.metafile["inputs"]["src/index.js"]["imports"][0]["path"] == "src/dep.js"


def test_write_false_keeps_outputs_in_memory_and_write_true_writes_them(
    esbuild: Esbuild, tmp_path: Path
) -> None:
    root = project(tmp_path, {"src/index.js": "export const a = 1;\n"})
    flags = [*BUNDLE, "--outdir=dist", "--sourcemap"]

    in_memory = esbuild.build([("worker", "src/index.js")], flags, working_dir=root)

    contents = {Path(f.path): f.contents for f in in_memory.output_files}
    assert sorted(contents) == [root / "dist" / "worker.js", root / "dist" / "worker.js.map"]
    assert not (root / "dist").exists()

    written = esbuild.build([("worker", "src/index.js")], flags, working_dir=root, write=True)

    assert written.errors == () and written.output_files == ()
    for path, data in contents.items():
        assert path.read_bytes() == data


def test_a_metafile_sent_as_bytes_as_esbuild_0_28_does_is_parsed_too() -> None:
    response: dict[str, Value] = {"errors": [], "warnings": [], "metafile": b'{"inputs": {}}'}

    assert esbuild_module._build_result(response).metafile == {"inputs": {}}


def test_write_true_without_an_outdir_returns_what_esbuild_would_print(
    esbuild: Esbuild, tmp_path: Path
) -> None:
    root = project(tmp_path, {"a.js": "export const a = 1;\n"})

    result = esbuild.build([("", "a.js")], BUNDLE, working_dir=root, write=True)

    assert result.output_files == ()
    assert result.stdout == b"// a.js\nvar a = 1;\nexport {\n  a\n};\n"


# Plugins


def test_on_resolve_makes_an_import_external_under_another_name(
    esbuild: Esbuild, tmp_path: Path
) -> None:
    root = project(
        tmp_path,
        {
            "src/index.js": (
                'import { Buffer } from "legacy:buffer";\n'
                'import data from "./data.json" with { type: "json" };\n'
                "export default Buffer.from(data.text);\n"
            ),
            "src/data.json": '{"text": "hi"}',
        },
    )
    seen: list[ResolveArgs] = []

    def rename(args: ResolveArgs, build: PluginBuild) -> ResolveResult | None:
        seen.append(args)
        if args.path.startswith("legacy:"):
            return ResolveResult(path="node:" + args.path.removeprefix("legacy:"), external=True)
        return None

    plugin = Plugin("rename", on_resolve=[(r"^(legacy:|\./data)", "", rename)])

    code = only_output(
        esbuild.build([("", "src/index.js")], BUNDLE, working_dir=root, plugins=[plugin])
    )

    assert 'import { Buffer } from "node:buffer";' in code
    assert "legacy:" not in code
    assert '"hi"' in code  # the JSON import, not taken over, still bundles
    by_path = {args.path: args for args in seen}
    assert by_path["legacy:buffer"] == ResolveArgs(
        path="legacy:buffer",
        importer=str(root / "src" / "index.js"),
        namespace="file",
        resolve_dir=str(root / "src"),
        kind="import-statement",
        plugin_data=None,
        with_={},
    )
    assert by_path["./data.json"].with_ == {"type": "json"}


def test_on_load_supplies_virtual_contents_with_a_loader(esbuild: Esbuild, tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {"index.js": 'import config from "virtual:config";\nexport default config.greeting;\n'},
    )
    data = {"greeting": "hello from python"}
    loads: list[LoadArgs] = []

    def to_virtual(args: ResolveArgs, build: PluginBuild) -> ResolveResult:
        return ResolveResult(path="config", namespace="virtual", plugin_data=data)

    def load(args: LoadArgs, build: PluginBuild) -> LoadResult:
        loads.append(args)
        typed = f"const config: {{ greeting: string }} = {json.dumps(args.plugin_data)};"
        return LoadResult(contents=typed + "\nexport default config;\n", loader="ts")

    plugin = Plugin(
        "virtual",
        on_resolve=[("^virtual:", "", to_virtual)],
        on_load=[(".*", "virtual", load)],
    )

    code = only_output(
        esbuild.build([("", "index.js")], BUNDLE, working_dir=root, plugins=[plugin])
    )

    assert '"hello from python"' in code
    assert "greeting: string" not in code  # read as TypeScript
    assert "// virtual:config" in code
    [args] = loads  # the file-namespace entry point did not match the namespace
    assert (args.path, args.namespace, args.suffix) == ("config", "virtual", "")
    assert args.plugin_data is data  # the very object, kept on this side


def test_on_load_bytes_and_a_resolve_dir_for_the_virtual_modules_own_imports(
    esbuild: Esbuild, tmp_path: Path
) -> None:
    root = project(
        tmp_path,
        {"index.js": 'import v from "virtual:v";\nexport default v;\n', "lib/real.js": "1;"},
    )

    def to_virtual(args: ResolveArgs, build: PluginBuild) -> ResolveResult:
        return ResolveResult(path="v", namespace="virtual")

    def load(args: LoadArgs, build: PluginBuild) -> LoadResult:
        return LoadResult(
            contents=b'import "./real.js";\nexport default 7;\n', resolve_dir=str(root / "lib")
        )

    plugin = Plugin(
        "v", on_resolve=[("^virtual:", "", to_virtual)], on_load=[(".*", "virtual", load)]
    )

    result = esbuild.build(
        [("", "index.js")], [*BUNDLE, "--metafile"], working_dir=root, plugins=[plugin]
    )

    only_output(result)
    assert result.metafile is not None
    assert "lib/real.js" in result.metafile["inputs"]


def test_build_resolve_asks_esbuild_and_runs_the_plugins_again(
    esbuild: Esbuild, tmp_path: Path
) -> None:
    root = project(
        tmp_path,
        {
            "src/index.js": 'import { d } from "./dep";\nexport default d;\n',
            "src/dep.js": "export const d = 4;\n",
        },
    )
    answers: dict[str, Resolved] = {}
    nested: list[Any] = []

    def redirect(args: ResolveArgs, build: PluginBuild) -> ResolveResult | None:
        if args.plugin_data == "again":
            nested.append(args.plugin_data)
            return None
        for name, path in (("dep", args.path), ("missing", "./missing")):
            answers[name] = build.resolve(
                path,
                kind=args.kind,
                resolve_dir=args.resolve_dir,
                importer=args.importer,
                plugin_data="again",
            )
        return ResolveResult(path=answers["dep"].path, plugin_data="resolved")

    plugin = Plugin("redirect", on_resolve=[(r"^\./dep$", "", redirect)])

    code = only_output(
        esbuild.build([("", "src/index.js")], BUNDLE, working_dir=root, plugins=[plugin])
    )

    assert "var d = 4;" in code
    assert nested == ["again"]  # esbuild ran this plugin's hook for the plugin's own request
    dep = answers["dep"]
    assert (dep.path, dep.namespace, dep.external, dep.suffix) == (
        str(root / "src" / "dep.js"),
        "file",
        False,
        "",
    )
    assert dep.errors == ()
    missing = answers["missing"]
    assert missing.path == ""
    assert [m.text for m in missing.errors] == ['Could not resolve "./missing"']


def test_a_callback_that_raises_fails_the_build_naming_the_plugin(
    esbuild: Esbuild, tmp_path: Path
) -> None:
    root = project(tmp_path, {"index.js": 'import "./x.js";\n', "x.js": "1;\n"})

    def broken(args: LoadArgs, build: PluginBuild) -> LoadResult:
        raise ValueError(f"cannot load {Path(args.path).name}")

    plugin = Plugin("breaks", on_load=[(r"/x\.js$", "", broken)])

    result = esbuild.build([("", "index.js")], BUNDLE, working_dir=root, plugins=[plugin])

    [error] = result.errors
    assert error.text == "ValueError: cannot load x.js"
    assert error.plugin_name == "breaks"
    assert error.location is not None
    # esbuild words file paths relative to the working folder, as it does its own
    assert (root / error.location.file).resolve() == Path(__file__).resolve()
    assert error.location.line == broken.__code__.co_firstlineno + 1
    assert error.location.line_text == 'raise ValueError(f"cannot load {Path(args.path).name}")'
    assert error.notes == (
        f"This error came from the callback {broken.__qualname__}",
        'The plugin "breaks" was triggered by this import',  # esbuild's own note
    )
    assert result.output_files == ()


def test_a_callback_answer_of_the_wrong_type_fails_the_build(
    esbuild: Esbuild, tmp_path: Path
) -> None:
    root = project(tmp_path, {"index.js": "1;\n"})

    def wrong(args: ResolveArgs, build: PluginBuild) -> Any:
        return {"path": "/x"}

    plugin = Plugin("wrong", on_resolve=[(".*", "", wrong)])

    result = esbuild.build([("", "index.js")], BUNDLE, working_dir=root, plugins=[plugin])

    assert [(e.plugin_name, e.text) for e in result.errors] == [
        ("wrong", "TypeError: the callback returned a dict, not a ResolveResult or None")
    ]


def test_plugin_errors_and_warnings_are_reported_as_the_plugins(
    esbuild: Esbuild, tmp_path: Path
) -> None:
    root = project(tmp_path, {"index.js": 'import "./a.js";\n', "a.js": "1;\n"})

    def judge(args: ResolveArgs, build: PluginBuild) -> ResolveResult:
        return ResolveResult(errors=("not allowed",), warnings=("think again",))

    plugin = Plugin("judge", on_resolve=[(r"^\./a", "", judge)])

    result = esbuild.build([("", "index.js")], BUNDLE, working_dir=root, plugins=[plugin])

    assert [(e.plugin_name, e.text) for e in result.errors] == [("judge", "not allowed")]
    assert [(w.plugin_name, w.text) for w in result.warnings] == [("judge", "think again")]


def test_a_resolve_esbuild_refuses_fails_the_build_with_its_reason(
    esbuild: Esbuild, tmp_path: Path
) -> None:
    root = project(tmp_path, {"index.js": 'import "./a.js";\n', "a.js": "1;\n"})

    def bad_kind(args: ResolveArgs, build: PluginBuild) -> ResolveResult:
        build.resolve(args.path, kind="bogus", resolve_dir=args.resolve_dir)
        return ResolveResult()

    plugin = Plugin("kinds", on_resolve=[(r"^\./a", "", bad_kind)])

    result = esbuild.build([("", "index.js")], BUNDLE, working_dir=root, plugins=[plugin])

    [error] = result.errors
    assert error.plugin_name == "kinds"
    assert error.text == (
        "EsbuildRequestError: esbuild refused resolving './a.js': Invalid kind: \"bogus\""
    )


def test_an_invalid_filter_is_a_request_error(esbuild: Esbuild, tmp_path: Path) -> None:
    def never(args: ResolveArgs, build: PluginBuild) -> None:
        raise AssertionError("not called")

    with pytest.raises(EsbuildRequestError, match="filter"):
        esbuild.build(
            [("", "a.js")],
            BUNDLE,
            working_dir=tmp_path,
            plugins=[Plugin("re", on_resolve=[("(unclosed", "", never)])],
        )


def test_callbacks_run_concurrently_within_the_thread_limit(binary: Path, tmp_path: Path) -> None:
    count = 8
    root = project(
        tmp_path,
        {
            "index.js": "".join(f'import "./m{i}.js";\n' for i in range(count)),
            **{f"m{i}.js": f"globalThis.m{i} = {i};\n" for i in range(count)},
        },
    )
    lock = threading.Lock()
    active = peak = 0

    def slow(args: LoadArgs, build: PluginBuild) -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.3)
        with lock:
            active -= 1

    plugin = Plugin("slow", on_load=[(r"m\d\.js$", "", slow)])

    with Esbuild(binary, plugin_threads=3) as service:
        code = only_output(
            service.build([("", "index.js")], BUNDLE, working_dir=root, plugins=[plugin])
        )

    assert all(f"globalThis.m{i} = {i};" in code for i in range(count))
    assert peak == 3


def test_resolving_from_every_worker_at_once_does_not_deadlock(
    binary: Path, tmp_path: Path
) -> None:
    count = 6
    root = project(
        tmp_path,
        {
            "index.js": "".join(f'import "./m{i}.js";\n' for i in range(count)),
            **{f"m{i}.js": f"globalThis.m{i} = {i};\n" for i in range(count)},
        },
    )

    def through_esbuild(args: ResolveArgs, build: PluginBuild) -> ResolveResult | None:
        if args.plugin_data == "inner":
            time.sleep(0.05)
            return None
        found = build.resolve(
            args.path, kind=args.kind, resolve_dir=args.resolve_dir, plugin_data="inner"
        )
        return ResolveResult(path=found.path)

    plugin = Plugin("through", on_resolve=[(r"^\./m\d", "", through_esbuild)])

    # One worker: each outer callback waits on a resolve that needs another callback run.
    with Esbuild(binary, plugin_threads=1, timeout=20) as service:
        code = only_output(
            service.build([("", "index.js")], BUNDLE, working_dir=root, plugins=[plugin])
        )

    assert all(f"globalThis.m{i} = {i};" in code for i in range(count))


def test_builds_from_several_threads_keep_their_own_plugins(
    esbuild: Esbuild, tmp_path: Path
) -> None:
    results: dict[str, str] = {}

    def run(name: str) -> None:
        def load(args: LoadArgs, build: PluginBuild) -> LoadResult:
            time.sleep(0.1)
            return LoadResult(contents=f"export default {json.dumps(name)};", loader="js")

        def resolve(args: ResolveArgs, build: PluginBuild) -> ResolveResult:
            return ResolveResult(path="x", namespace="v")

        plugin = Plugin(name, on_resolve=[("^v$", "", resolve)], on_load=[(".*", "v", load)])
        result = esbuild.build([("", "v")], BUNDLE, working_dir=tmp_path, plugins=[plugin])
        results[name] = only_output(result)

    threads = [threading.Thread(target=run, args=(f"build{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == ["build0", "build1", "build2"]
    assert all(f'"{name}"' in code for name, code in results.items())


def test_esbuild_pings_are_answered_during_a_long_build(
    esbuild: Esbuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[int] = []
    dispatch = esbuild_module._Service._dispatch

    def counting(service: Any, packet: Packet) -> None:
        if isinstance(packet.value, dict) and packet.value.get("command") == "ping":
            pings.append(packet.id)
        dispatch(service, packet)

    monkeypatch.setattr(esbuild_module._Service, "_dispatch", counting)

    def slow(args: LoadArgs, build: PluginBuild) -> None:
        time.sleep(2.6)

    root = project(tmp_path, {"a.js": "export const a = 1;\n"})
    result = esbuild.build(
        [("", "a.js")],
        BUNDLE,
        working_dir=root,
        plugins=[Plugin("slow", on_load=[(".*", "", slow)])],
    )

    only_output(result)
    # esbuild pings once a second and waits for each answer before the next one
    assert len(pings) >= 2


# Timeouts, crashes and cleanup


def test_a_build_past_the_timeout_kills_the_process(binary: Path, tmp_path: Path) -> None:
    root = project(tmp_path, {"a.js": "1;\n"})

    def hang(args: LoadArgs, build: PluginBuild) -> None:
        time.sleep(4)

    service = Esbuild(binary, timeout=1.5)
    started = time.monotonic()
    with pytest.raises(EsbuildTimeoutError, match="did not finish the build in time"):
        service.build(
            [("", "a.js")],
            BUNDLE,
            working_dir=root,
            plugins=[Plugin("hang", on_load=[(".*", "", hang)])],
        )

    assert time.monotonic() - started < 3.5
    assert not service.running
    with pytest.raises(EsbuildError):
        service.build([("", "a.js")], BUNDLE, working_dir=root)
    service.close()


def test_a_crash_mid_build_is_a_service_error(esbuild: Esbuild, tmp_path: Path) -> None:
    root = project(tmp_path, {"a.js": "1;\n"})

    def crash(args: LoadArgs, build: PluginBuild) -> None:
        os.kill(esbuild.pid, signal.SIGKILL)
        time.sleep(0.5)

    plugin = Plugin("crash", on_load=[(".*", "", crash)])

    with pytest.raises(EsbuildServiceError, match="stopped during the run: killed by signal 9"):
        esbuild.build([("", "a.js")], BUNDLE, working_dir=root, plugins=[plugin])

    assert not esbuild.running
    with pytest.raises(EsbuildServiceError, match="killed by signal 9"):
        esbuild.build([("", "a.js")], BUNDLE, working_dir=root)


def test_the_process_ends_with_the_context_even_on_an_exception(binary: Path) -> None:
    with pytest.raises(RuntimeError), Esbuild(binary) as service:
        assert service.running
        raise RuntimeError("in the block")

    assert not service.running


def test_a_closed_service_refuses_builds_and_closes_twice(binary: Path, tmp_path: Path) -> None:
    service = Esbuild(binary)
    service.close()
    service.close()

    assert not service.running
    with pytest.raises(EsbuildServiceError, match="was closed"):
        service.build([("", "a.js")], BUNDLE, working_dir=tmp_path)


def test_a_service_dropped_without_close_is_killed(binary: Path) -> None:
    service = Esbuild(binary)
    pid = service.pid
    del service
    gc.collect()

    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone and reaped
