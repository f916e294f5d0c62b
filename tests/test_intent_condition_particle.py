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
    assert verbs("if we're happy with it put in an order") == []  # waits for the person's own word (`_WAITS`)
    assert verbs("if I confirm put in an order") == []
    assert verbs("if we are done send bob the notes") == []


def test_what_the_person_holds_against_a_number_is_a_condition_on_the_data():
    # "if we're below 5" compares a count with a number, as "if it's under 5" does: the data decides, not a later word
    assert verbs("update the count and if we're below 5 put in an order with the usual supplier") == ["update", "put"]
    assert verbs("if we are under 3 crates of milk order a crate from the dairy") == ["order"]
