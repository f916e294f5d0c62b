"""A condition on the data that has its own verb ends, with no comma, at a verb in its base form whose object
opens with an article or a pronoun, after its particle if it has one ("if it's under 5 put in an order"); a
contracted verb after a subject pronoun is the condition's own verb ("if they're", "if it's")."""

from mcp_guard.intent.engine import DeclaredIntent


def verbs(text: str) -> list[str]:
    return [v for v, _ in DeclaredIntent(text).clauses]


def test_a_phrasal_verb_after_a_condition_opens_the_clause():
    assert verbs("if it's under 5 put in an order with the usual supplier") == ["put"]
    assert verbs("if they're all signed set up a kickoff") == ["set"]
    assert verbs("if it's green roll back nothing") == []  # (its object opens with no article or pronoun)


def test_a_condition_on_the_person_still_asks_nothing():
    assert verbs("if we're below 5 put in an order") == []  # waits for the person's own word (`_WAITS`)
