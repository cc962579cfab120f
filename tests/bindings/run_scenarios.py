"""Runs tests/scenarios/scenarios.json with the installed `azspeech` Python package.

Usage: python run_scenarios.py SCENARIOS.json READY_DIR WORK_DIR
READY_DIR holds one `azspeech emulator --ready-file` JSON per emulator of the table (NAME.json).
Prints one line per scenario and `python: N passed, M failed`; exits 1 if any failed.
"""

import json
import os
import re
import sys
import traceback
from pathlib import Path

import azspeech
from azspeech import _core

# Secret hygiene: every value passed into the core is recorded; no key, identity header or token
# may be among them (the scenario's secrets are added to SECRETS as they become known).
SECRETS = set()
CORE_INPUTS = []
TOKENS = []
_call = _core.Core.call


def recording_call(self, interface, name, *args):
    CORE_INPUTS.append(repr([vars(a) if isinstance(a, _core.Rec) else a for a in args]))
    return _call(self, interface, name, *args)


_core.Core.call = recording_call


def words(text):
    return [w for w in (re.sub(r"[^0-9a-z]", "", w.lower()) for w in text.split()) if w]


def environment(scenario, ready):
    env = {k: v for k, v in ready["env"].items() if k not in scenario.get("unset", [])}
    env.update(scenario.get("env", {}))
    if scenario.get("credential") == "managed-identity":
        env.update(IDENTITY_ENDPOINT=ready["msi_endpoint"], IDENTITY_HEADER=ready["identity_header"])
    return env


def credential(scenario, env):
    if scenario.get("credential") != "managed-identity":
        return None
    from azure.identity import ManagedIdentityCredential

    # azure-identity reads IDENTITY_ENDPOINT / IDENTITY_HEADER from the process environment.
    os.environ.update({k: env[k] for k in ("IDENTITY_ENDPOINT", "IDENTITY_HEADER")})
    inner = ManagedIdentityCredential()

    class Recorded:
        def get_token(self, *scopes, **kwargs):
            token = inner.get_token(*scopes, **kwargs)
            SECRETS.add(token.token)
            TOKENS.append(scopes)
            return token

    return Recorded()


def run_step(speech, step, work):
    if "tts" in step:
        target = work / step["file"]
        summary = speech.synthesize_to_file(step["tts"], target)
        assert target.is_file(), f"{target} was not written"
        assert summary.audio_bytes >= step.get("expect_audio_bytes_at_least", 1), summary
    else:
        transcript = speech.recognize_file(work / step["stt"], mode=step.get("mode", "conversation"))
        assert words(transcript.text) == words(step["expect_text"]), f"heard {transcript.text!r}"
        reconnects = step.get("expect_reconnects_at_least")
        if reconnects is not None:
            assert transcript.summary.reconnects >= reconnects, f"only {transcript.summary.reconnects} reconnects"


def run_scenario(scenario, ready, work):
    env = environment(scenario, ready)
    SECRETS.clear()
    CORE_INPUTS.clear()
    TOKENS.clear()
    SECRETS.update(v for k, v in env.items() if k in ("SPEECH_KEY", "SPEECH_KEY_SECONDARY", "IDENTITY_HEADER") and v)
    speech = azspeech.from_env(credential(scenario, env), environ=env)
    explained = speech.explain()
    for key, value in scenario.get("expect_explain", {}).items():
        assert explained[key] == value, f"explain()[{key!r}] is {explained[key]!r}, expected {value!r}"
    for step in scenario["steps"]:
        expected = step.get("expect_error")
        if expected is None:
            run_step(speech, step, work)
            continue
        try:
            run_step(speech, step, work)
        except azspeech.SpeechError as error:
            assert error.kind == expected["kind"], f"{error.kind} error: {error}"
            assert expected["fix_contains"] in error.fix, f"fix {error.fix!r}"
            assert not (work / step["file"]).exists(), "an output file was left after the failure"
            for secret in (env.get("SPEECH_KEY"), env.get("SPEECH_KEY_SECONDARY")):
                assert not secret or secret not in str(error), "the error text holds a key"
        else:
            raise AssertionError(f"expected a {expected['kind']} error")
    assert CORE_INPUTS, "no call into the core was recorded"
    leaked = [secret for secret in SECRETS if any(secret in inputs for inputs in CORE_INPUTS)]
    assert not leaked, f"{len(leaked)} secret(s) were passed into the core"
    if scenario.get("credential"):
        assert TOKENS, "no Entra token was fetched"


def main():
    table = json.loads(Path(sys.argv[1]).read_text())
    ready_dir, work = Path(sys.argv[2]), Path(sys.argv[3])
    print(f"azspeech from {azspeech.__file__}")
    passed = failed = 0
    for scenario in table["scenarios"]:
        ready = json.loads((ready_dir / f"{scenario['emulator']}.json").read_text())
        saved = dict(os.environ)
        try:
            run_scenario(scenario, ready, work)
        except Exception:
            failed += 1
            print(f"FAIL {scenario['name']}\n{traceback.format_exc()}")
        else:
            passed += 1
            print(f"ok   {scenario['name']}")
        finally:
            os.environ.clear()
            os.environ.update(saved)
    print(f"python: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
