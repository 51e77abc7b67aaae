from audience import focus_terms


def test_question_scaffolding_is_dropped() -> None:
    assert focus_terms("What did the Prime Minister say about fraud in distribution of funds?") == (
        "Prime",
        "Minister",
        "fraud",
        "distribution",
        "funds",
    )
    assert focus_terms("Summarize the discussion about how to select channels.") == (
        "select",
        "channels",
    )


def test_hyphenated_and_identifier_words_stay_whole() -> None:
    assert focus_terms("What went wrong with payments-api v2.14?") == (
        "went",
        "wrong",
        "payments-api",
        "v2",
        "14",
    )


def test_nothing_but_scaffolding_keeps_the_content_words() -> None:
    assert focus_terms("What did the group discuss in the meeting?") == (
        "group",
        "discuss",
        "meeting",
    )
    assert focus_terms("") == ()
