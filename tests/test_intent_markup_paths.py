"""A closing tag of markup ("</p>" in an HTML body) is no path: a call that carries a newsletter's HTML names no
file by it (`values._spans`)."""

from mcp_guard.intent.values import find_values


def test_a_closing_tag_is_no_path_but_a_path_in_angle_brackets_still_is():
    assert [f for f in find_values("<p>Hi friends, classes start 1 April.</p><b>x</b>") if f.kind == "path"] == []
    assert [f.value for f in find_values("see </etc/passwd> now") if f.kind == "path"] == ["/etc/passwd"]
    assert [f.value for f in find_values("<p>saved to /srv/reports</p>") if f.kind == "path"] == ["/srv/reports"]
