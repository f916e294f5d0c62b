"""What `run` loads before it starts its servers, and what it loads while they start (issue #11's cold start).

Each check runs in a fresh interpreter: the test process has long imported everything."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)


def test_what_run_reads_before_starting_its_servers_leaves_the_intent_engine_unloaded():
    # cli/proxy.py reads the config and the session's declared intent, then starts the servers: the
    # engine's tables load afterwards, with the guards, while the servers start.
    done = _python("""
        import sys
        import mcp_guard.config, mcp_guard.intent.sessions, mcp_guard.proxy.runner, mcp_guard.proxy.upstream
        print("mcp_guard.intent.engine" in sys.modules, "mcp_guard.scan" in sys.modules)
        from mcp_guard.intent import DeclaredIntent, DefaultEngine
        print(DeclaredIntent.__module__, DefaultEngine.__module__)
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["False False", "mcp_guard.intent.engine mcp_guard.intent.engine"]


def test_an_unknown_name_of_the_intent_package_is_an_attribute_error():
    done = _python("import mcp_guard.intent as i\ntry:\n    i.nothing\nexcept AttributeError as e:\n    print(e)")
    assert done.returncode == 0, done.stderr
    assert "has no attribute 'nothing'" in done.stdout


def test_the_scanner_is_loaded_in_the_background_while_the_servers_start():
    done = _python("""
        import sys, threading
        from mcp_guard.proxy.runner import warm_scanner
        before = "mcp_guard.scan" in sys.modules
        warm_scanner()
        for t in threading.enumerate():
            if t.name == "mcp-guard-warm-up":
                t.join(60)
        from mcp_guard import scan_model
        print(before, "mcp_guard.scan" in sys.modules, scan_model.load.cache_info().currsize)
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True", "1"]


def test_what_run_reads_before_starting_its_servers_leaves_the_audit_log_and_store_unloaded():
    # The same modules as above, and the credentials that build a server's environment: SQLite and the
    # audit log are loaded with the guards, after the servers have started.
    done = _python("""
        import sys
        import mcp_guard.cli, mcp_guard.config, mcp_guard.intent.credentials, mcp_guard.intent.sessions
        import mcp_guard.proxy.runner, mcp_guard.proxy.upstream
        print(sorted(m for m in ("mcp_guard.audit", "mcp_guard.store", "sqlite3") if m in sys.modules))
        from mcp_guard.intent.credentials import Redactor
        print(Redactor({"TOKEN": "s3cret-value"})("it is S3CRET-VALUE"))
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["[]", "it is [redacted:TOKEN]"]


def test_a_proxy_with_intent_off_never_loads_the_intent_engine(tmp_path):
    done = _python(f"""
        import sys
        from mcp_guard.config import parse_config
        from mcp_guard.proxy.runner import Proxy
        config = parse_config({{"intent": {{"mode": "off"}}, "storage": {{"path": {str(tmp_path / "g.db")!r}}},
                               "upstreams": {{"s": {{"command": "true"}}}}}})
        proxy = Proxy(config, ["s"])
        print(proxy.intent, "mcp_guard.intent.engine" in sys.modules)
        proxy.close()
        on = parse_config({{"storage": {{"path": {str(tmp_path / "h.db")!r}}},
                            "upstreams": {{"s": {{"command": "true"}}}}}})
        proxy = Proxy(on, ["s"])
        print(type(proxy.intent).__name__, "mcp_guard.intent.engine" in sys.modules)
        proxy.close()
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["None False", "IntentGuard True"]


def test_with_intent_on_the_warm_up_also_loads_the_verb_table_whole():
    done = _python("""
        import threading
        from mcp_guard.intent import words
        from mcp_guard.proxy.runner import warm_scanner
        empty = not words._VERB_KINDS
        warm_scanner(intent=True).join(60)
        print(empty, len(words._VERB_KINDS) > 1000, bool(words._PLAIN_VERBS), sorted(words.verb_kinds("deleted")))
    """)
    assert done.returncode == 0, done.stderr
    line = done.stdout.split("\n")[0].split(" ", 3)
    assert line[:3] == ["True", "True", "True"] and line[3] != "[]"


def test_with_intent_on_the_warm_up_also_loads_wordnets_other_tables_and_the_word_list():
    done = _python("""
        from mcp_guard.intent import derived, spelling
        from mcp_guard.proxy.runner import warm_scanner
        empty = not (derived._NOUNS or derived._MORE or derived._LOOKS or spelling._WORDS)
        warm_scanner(intent=True).join(60)
        print(empty, len(derived._NOUNS) > 1000, len(derived._MORE) > 100, len(derived._LOOKS) > 100,
              len(spelling._WORDS) > 50000)
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0].split() == ["True"] * 5


def test_with_intent_on_the_warm_up_also_loads_the_proper_names_list():
    done = _python("""
        from mcp_guard.intent import naming
        from mcp_guard.proxy.runner import warm_scanner
        empty = naming._PROPER is None
        warm_scanner(intent=True).join(60)
        print(empty, naming._PROPER is not None and len(naming._PROPER) > 10000)
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0].split() == ["True", "True"]
