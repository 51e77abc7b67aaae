import pytest

from distiller.speech import attribute


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "I need to stop eating such unhealthy foods.",
            "<@U1> needs to stop eating such unhealthy foods.",
        ),
        ("I just need you to help me.", "<@U1> just needs <@U2> to help <@U1>."),
        ("I'm going home.", "<@U1> is going home."),
        ("I ' Ve been having trouble.", "<@U1> has been having trouble."),
        ("I'll do it by Friday.", "<@U1> will do it by Friday."),
        ("I fixed it on your laptop.", "<@U1> fixed it on <@U2>'s laptop."),
        ("I went there.", "<@U1> went there."),
        ("I try.", "<@U1> tries."),
        ("I study and I watch.", "<@U1> studies and I watch."),
        ("I don't know.", "<@U1> doesn't know."),
        (
            "Can you roll back <https://x.example/you|your change>?",
            "<@U1>: Can <@U2> roll back <https://x.example/you|your change>?",
        ),
        ("The deploy failed.", "<@U1>: The deploy failed."),
    ],
)
def test_reported_speech(text: str, expected: str) -> None:
    assert attribute(text, "<@U1>", "<@U2>") == expected


def test_you_stays_when_the_listener_is_ambiguous() -> None:
    assert attribute("Can you check?", "ana", None) == "ana: Can you check?"
