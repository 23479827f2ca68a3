"""Ingestion: documents in every format -> proposals ranked by impact -> accepted or rejected evidence."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
import yaml

from foresight import load_pack
from foresight.base.locking import LOCK_FILE
from foresight.model.options import ModelOptions
from foresight.pack.document_text import DocumentReadError, read_document, segment
from foresight.pack.proposals import IngestError, candidates, confidence_model, find_proposals, read_proposals
from foresight.run.cli import main
from foresight.run.ingest import accept, ingest, reject
from nbhelpers import SEED, notebook_env  # noqa: F401  (fixture)

FAST = ModelOptions(draws=400, learn_from_cases=False)  # exact forward draws: no NUTS in these tests
ARTICLE = """# Border tensions rise

Senior officials from both sides met for talks in Geneva on Monday, the first such meeting in months.

The defence minister threatened force in public if the border incidents continued. Analysts said large
military drills near the border had been planned for weeks.

No talks are scheduled for the coming month.
"""


def tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing ``lines`` in Helvetica, with a correct cross-reference table."""
    text = "BT /F1 11 Tf 50 750 Td 14 TL " + " ".join(f"({ln}) '" for ln in lines) + " ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text.encode()),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def cli(argv: list[str]) -> int:
    """The `foresight` command's exit code, including argparse's own exit 2 for a malformed option."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code)


def snapshot(pack: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(pack)): p.read_bytes() for p in sorted(pack.rglob("*")) if p.is_file() and p.name != LOCK_FILE
    }


# --- reading --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, data",
    [
        ("a.txt", ARTICLE.encode()),
        ("a.md", ARTICLE.encode()),
        (
            "a.html",
            (
                "<html><head><title>Border</title></head><body><nav>Home | World | Sport</nav><article>"
                + "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n\n")[1:])
                + "</article><footer>Copyright</footer></body></html>"
            ).encode(),
        ),
        (
            "a.pdf",
            tiny_pdf(["Senior officials met for talks in Geneva.", "", "No talks are scheduled for next month."]),
        ),
    ],
)
def test_every_format_reads_into_located_sentences(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    doc = read_document(path)
    assert doc.sentences, "no sentence found"
    texts = [doc.sentence_text(s) for s in doc.sentences]
    assert any("officials" in t and "talks" in t for t in texts)
    for s in doc.sentences:  # offsets point at the sentence itself
        assert doc.text[s.start : s.end].strip() == doc.sentence_text(s)
    if name == "a.html":
        assert "Home | World" not in doc.text, "navigation was taken for article text"


def test_paragraphs_and_sentences_are_numbered_from_one():
    doc = segment("First one. Second one.\n\nThird, new paragraph.")
    assert [(s.paragraph, s.number) for s in doc.sentences] == [(1, 1), (1, 2), (2, 1)]
    assert doc.sentence_text(doc.find(2, 1)) == "Third, new paragraph."


def test_a_title_before_a_name_ends_no_sentence():
    doc = segment("The court removed Ms. Ortiz from office. Her party protested.")
    assert [doc.sentence_text(s) for s in doc.sentences] == [
        "The court removed Ms. Ortiz from office.",
        "Her party protested.",
    ]


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("empty.txt", b"  \n", "the file is empty"),
        ("bin.txt", b"abc\x00def", "looks binary"),
        ("latin.txt", "caf\u00e9 talks".encode("latin-1"), "not UTF-8 text"),
        ("fake.pdf", b"hello, not a pdf", "not a PDF file"),
        ("sheet.xlsx", b"PK\x03\x04", "unsupported file type"),
    ],
)
def test_unreadable_documents_are_refused_with_the_reason(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DocumentReadError, match=message):
        read_document(path)


def test_a_folder_is_not_a_document(tmp_path):
    with pytest.raises(DocumentReadError, match="is a folder"):
        read_document(tmp_path)


# --- matching -------------------------------------------------------------------------


def _one(pack: Path, tmp_path: Path, text: str, published=dt.date(2020, 4, 1), min_confidence=None):
    """The most confident proposal per indicator for a document of ``text`` (``min_confidence`` 0: every
    candidate from the score floor up, for tests of how a match is read rather than whether it is proposed)."""
    doc_path = tmp_path / "one.md"
    doc_path.write_text(text, encoding="utf-8")
    found = find_proposals(load_pack(pack), read_document(doc_path), published=published, min_confidence=min_confidence)
    return {p.indicator: p for p in reversed(found)}  # proposals are sorted by confidence: the first wins


@pytest.mark.parametrize(
    "sentence, state",
    [
        ("Senior officials from both sides met for talks in Geneva on Monday.", "present"),
        ("Senior officials from both sides did not meet for talks in March.", "absent"),
        ("No talks between senior officials are scheduled for the coming month.", "absent"),
        ("Not only did senior officials meet for talks, they agreed a date for more.", "present"),  # pseudo-negation
        ("The officials did not say much, but senior officials met for talks in Geneva.", "present"),  # 'but' ends it
    ],
)
def test_negation_decides_the_state(pack, tmp_path, sentence, state):
    assert _one(pack, tmp_path, sentence, min_confidence=0.0)["talks-held"].state == state


@pytest.mark.parametrize(
    "sentence, reported",
    [
        ("Senior officials from both sides met for talks in Geneva on Monday.", True),
        ("If senior officials met for talks in Geneva, the mood could change.", False),
        ("Senior officials could meet for talks in Geneva should the shelling stop.", False),
        ("In 2011 senior officials from both sides met for talks in Geneva.", False),  # a year before publication
        ("In the past, senior officials from both sides met for talks in Geneva.", False),
        ("This year senior officials from both sides met for talks in Geneva, as in 2011.", True),  # this year wins
    ],
)
def test_hypothetical_and_historical_mentions_are_uncertain(pack, tmp_path, sentence, reported):
    p = _one(pack, tmp_path, sentence)["talks-held"]
    assert (p.direction == "certain") == reported
    assert p.accepted_by_default(0.0) == reported  # --all-above never takes an uncertain one


def test_context_reader_each_way():
    from foresight.pack.context import read_context
    from foresight.pack.proposals import stem

    def ctx(sentence, words, published=dt.date(2020, 1, 1)):
        return read_context(sentence, {stem(w) for w in words}, published, stem)

    assert ctx("He denied that the troops had crossed the border.", ["troops", "crossed"]).negated
    assert not ctx("He confirmed that the troops had crossed the border.", ["troops", "crossed"]).negated
    assert ctx("The sides did not publish conflicting accounts.", ["sides", "publish", "conflicting"]).negated
    assert ctx("Whether the bloc holds is unclear.", ["bloc", "holds"]).hypothetical
    assert not ctx("Whether the bloc holds is unclear: a bloc of 34 has formed.", ["formed"]).hypothetical
    assert ctx("In 2015 the bloc formed.", ["bloc", "formed"]).historical
    assert not ctx("In 2020 the bloc formed.", ["bloc", "formed"]).historical


def test_a_negation_or_hypothesis_stops_where_a_subordinate_clause_begins():
    from foresight.pack.context import read_context
    from foresight.pack.proposals import stem

    def ctx(sentence, words):
        return read_context(sentence, {stem(w) for w in words}, dt.date(2020, 1, 1), stem)

    signed = ["signed", "conventions"]
    assert not ctx("Kerry called off a visit after Abbas signed the conventions.", signed).denied
    assert ctx("Kerry called off a visit, and Abbas never signed the conventions.", signed).denied
    assert ctx("Kerry called off the plan to have Abbas sign the conventions.", signed).denied
    assert not ctx("He would meet the envoy who signed the conventions.", signed).hypothetical
    assert ctx("He would meet the envoy and sign the conventions.", signed).hypothetical


def test_a_clauses_subject_stands_outside_its_negation():
    from foresight.pack.context import read_context
    from foresight.pack.proposals import stem

    heavy = {stem("brotherhood"): 3.0, stem("muslim"): 3.0}  # the name outweighs the action, as rare words do

    def negated(sentence, words):
        return read_context(sentence, {stem(w) for w in words}, None, stem, heavy).negated

    sign = ["muslim", "brotherhood", "named", "candidate"]
    assert negated("The Muslim Brotherhood has not named a candidate of its own.", sign)
    assert not negated("The Muslim Brotherhood named a candidate, and the army did not object.", sign)
    could = read_context("The Muslim Brotherhood could name a candidate.", {stem(w) for w in sign}, None, stem, heavy)
    assert could.hypothetical  # a modal, too, qualifies the predicate, not the subject
    named = "The Muslim Brotherhood named a candidate; the army could object."
    assert not read_context(named, {stem(w) for w in sign}, None, stem, heavy).hypothetical
    campaign = ["campaign", "aimed", "islamic", "state", "syrian", "government"]  # "and not": another conjunct
    assert not negated("The campaign is aimed at the Islamic State and not at the Syrian government.", campaign)
    assert negated("The campaign is not aimed at the Islamic State or the Syrian government.", campaign)


def test_a_negation_reads_as_english_writes_it():
    from foresight.pack.context import read_context
    from foresight.pack.proposals import stem

    def negated(sentence, words):
        return read_context(sentence, {stem(w) for w in words}, None, stem).negated

    figure = ["back", "consensus", "figure"]  # "and will" starts the subject's next predicate
    assert not negated("It will not name a candidate of its own and will back a consensus figure.", figure)
    assert negated("It will not name a candidate of its own or back a consensus figure.", figure)
    vague = ["vagueness", "commitments"]  # "is not just" says more, not less
    assert not negated("The problem is not just the vagueness of the commitments.", vague)
    assert negated("The problem is not the vagueness of the commitments.", vague)
    sponsorships = ["sponsorships"]  # "not yet" keeps its scope; ", yet" ends one
    assert negated("She does not yet have the 500 sponsorships.", sponsorships)
    assert not negated("She did not campaign, yet the 500 sponsorships arrived.", sponsorships)
    assert negated("The commitments lack definitions.", ["definitions"])
    assert not negated("The commitments have definitions.", ["definitions"])
    assert negated("The White House dropped its opposition to the bill.", ["opposition", "bill"])
    assert not negated("The White House restated its opposition to the bill.", ["opposition", "bill"])


@pytest.mark.parametrize(
    "sentence, failed",
    [
        ("The opposition failed to unite behind one candidate.", True),
        ("The opposition united behind one candidate.", False),
        ("The opposition was unable to unite behind one candidate.", True),
        ("The opposition was able to unite behind one candidate.", False),
        ("Tshisekedi refused to back a single opposition candidate.", True),
        ("Tshisekedi agreed to back a single opposition candidate.", False),
        ("Talks on a single opposition candidate came to nothing.", True),
        ("Talks on a single opposition candidate came to a deal.", False),
        ("Talks on a single opposition candidate broke down.", True),
        ("Talks on a single opposition candidate broke new ground.", False),
        ("The opposition's alliance behind a single candidate fell apart.", True),
        ("The opposition's alliance behind a single candidate held together.", False),
        ("The meeting on a single opposition candidate was called off.", True),
        ("The meeting on a single opposition candidate was held.", False),
        ("The meeting on a single opposition candidate was postponed.", True),
        ("The meeting on a single opposition candidate was brought forward.", False),
    ],
)
def test_a_failure_or_refusal_reads_as_absent(sentence, failed):
    from foresight.pack.context import read_context
    from foresight.pack.proposals import stem

    sign = {stem(w) for w in ("opposition", "unite", "single", "candidate")}
    context = read_context(sentence, sign, None, stem)
    assert (context.failed, context.denied) == (failed, failed)


def test_a_sign_negated_in_part_and_failed_in_part_is_denied():
    from foresight.pack.context import read_context
    from foresight.pack.proposals import stem

    sign = {stem(w) for w in ("opposition", "candidate", "talks")}  # a third negated, a third failed: denied

    def denied(sentence):
        return read_context(sentence, sign, None, stem).denied

    assert denied("Talks broke down and there is no candidate, though the opposition met.")
    assert not denied("Talks went on and there is no candidate, though the opposition met.")
    assert not denied("Talks broke down and there is a candidate, though the opposition met.")


@pytest.mark.parametrize(
    "sentence, planned",
    [
        ("The US withdrew its forces from Iraq.", False),
        ("The US plans to withdraw its forces from Iraq.", True),
        ("The US is expected to withdraw its forces from Iraq.", True),
        ("The US is due to withdraw its forces from Iraq.", True),
        ("The US is set to withdraw its forces from Iraq.", True),
        ("The US aims to withdraw its forces from Iraq.", True),
        ("The US is to withdraw its forces from Iraq.", True),
        ("The US has yet to withdraw its forces from Iraq.", True),
        ("The withdrawal of US forces from Iraq is scheduled for December.", True),
        ("The withdrawal of US forces from Iraq is pending.", True),
        ("The withdrawal of US forces from Iraq is complete.", False),
        ("The US will not keep its forces in Iraq.", False),  # a refusal made now, a negation
        ("The withdrawal of US forces from Iraq is expected next month.", True),
        ("The withdrawal of US forces from Iraq began last month.", False),
        ("The US is preparing to withdraw its forces from Iraq.", True),
        ("The US is refusing to withdraw its forces from Iraq.", False),
    ],
)
def test_a_step_announced_but_not_taken_reads_as_planned(sentence, planned):
    from foresight.pack.context import read_context
    from foresight.pack.proposals import stem

    context = read_context(sentence, {stem(w) for w in ("forces", "iraq", "withdrawal")}, None, stem)
    assert context.planned == planned
    assert context.reported == (not planned)


def test_a_failure_or_a_plan_in_the_description_is_matched_by_the_same(pack, tmp_path):
    """A description that describes a failure ("talks collapse") is confirmed, not flipped, by a failure verb; one
    that describes a plan is no less certain for a sentence's plan."""
    _with_indicator(pack, "talks-collapse", "Direct talks between the two sides collapse.")
    _with_indicator(pack, "withdrawal-announced", "The government announces it plans to withdraw troops.")
    found = _one(pack, tmp_path, "Direct talks between the two sides collapsed on Monday.", min_confidence=0)
    assert (found["talks-collapse"].state, found["talks-collapse"].direction) == ("present", "certain")
    will = _one(pack, tmp_path, "The government said it plans to withdraw troops from the border.", min_confidence=0)
    assert (will["withdrawal-announced"].state, will["withdrawal-announced"].direction) == ("present", "certain")
    _with_indicator(pack, "troops-deployed", "Government troops are deployed to the border.")
    plan = _one(pack, tmp_path, "Government troops are due to be deployed to the border.", min_confidence=0)
    assert (plan["troops-deployed"].state, plan["troops-deployed"].direction) == ("present", "uncertain")


def test_a_month_or_last_year_before_the_document_reads_as_historical():
    from foresight.pack.context import read_context
    from foresight.pack.proposals import stem

    def historical(sentence):
        return read_context(sentence, {stem("council"), stem("agreed")}, dt.date(2011, 10, 5), stem).historical

    assert historical("In August the council agreed a statement.")
    assert not historical("In October the council agreed a statement.")  # the document's own month
    assert historical("The council agreed a statement on 4 March.")
    assert not historical("The council agreed to meet in November.")  # later in the year: a plan, or last year's
    assert historical("Last November the council agreed a statement.")
    assert not historical("The council has agreed every month since August.")  # still going on
    assert historical("Last year the council agreed a statement.")
    assert not historical("The council agreed last year's accounts.")  # a thing named, not a time
    assert not historical("The council agreed that it may meet again.")  # 'may' the verb is no month
    assert historical("In 2010 the council agreed a statement.")
    assert not historical("The council agreed to renew the 2010 truce.")  # a year in a name dates nothing
    assert not historical("The council has agreed every month since 2010.")


def test_a_signs_terms_count_together_only_within_one_clause(pack, tmp_path):
    one_clause = "Large military drills began near the border on Monday."
    two_clauses = "Large crowds came to the border market on Monday; military bands played in the capital."
    assert "drills" in _one(pack, tmp_path, one_clause)
    split = _one(pack, tmp_path, two_clauses).get("drills")
    assert split is None or "military" not in split.cue.split()  # the other clause's word does not count
    assert "military" in _one(pack, tmp_path, two_clauses.replace(";", ","))["drills"].cue.split()


def test_a_headline_counts_no_more_than_body_text(pack, tmp_path):
    headline = _one(pack, tmp_path, "# Senior officials met for talks\n\nThe weather in Geneva was cold.\n")
    body = _one(pack, tmp_path, "Senior officials met for talks.\n\nThe weather in Geneva was cold.\n")
    assert headline["talks-held"].score == body["talks-held"].score
    assert headline["talks-held"].confidence <= body["talks-held"].confidence


def test_counter_cues_and_negation_together_are_uncertain(pack, tmp_path):
    text = (pack / "indicators.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    description: A leader threatens force in public.\n",
        "    description: A leader threatens force in public.\n"
        "    cues: [threatened force]\n    counter_cues: [ruled out force]\n",
    )
    (pack / "indicators.yaml").write_text(text, encoding="utf-8")
    assert _one(pack, tmp_path, "The minister ruled out force at the border.")["threat-made"].state == "absent"
    plain = _one(pack, tmp_path, "He threatened force in public.")["threat-made"]
    assert (plain.state, plain.score, plain.direction) == ("present", 1.0, "certain")
    double = _one(pack, tmp_path, "The minister has not ruled out force at the border.")["threat-made"]
    assert double.direction == "uncertain" and not double.accepted_by_default(0.0)


def test_a_cue_finds_a_sign_written_in_other_words_than_the_description(pack, tmp_path):
    sentence = "The six governments kept a single position throughout the autumn."
    _with_indicator(pack, "powers-united", "The negotiating powers act as one bloc.")
    assert "powers-united" not in _one(pack, tmp_path, sentence)
    text = (pack / "indicators.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    description: The negotiating powers act as one bloc.\n",
        "    description: The negotiating powers act as one bloc.\n    cues: [single position]\n",
    )
    (pack / "indicators.yaml").write_text(text, encoding="utf-8")
    found = _one(pack, tmp_path, sentence)["powers-united"]
    assert (found.state, found.score, found.cue) == ("present", 1.0, "single position")


def test_proposals_come_most_confident_first_at_most_two_per_indicator(pack, tmp_path):
    doc_path = tmp_path / "a.md"
    doc_path.write_text(ARTICLE, encoding="utf-8")
    found = find_proposals(load_pack(pack), read_document(doc_path), published=dt.date(2020, 4, 1))
    indicators = [p.indicator for p in found]
    assert max(indicators.count(i) for i in indicators) <= 2
    assert [p.confidence for p in found] == sorted((p.confidence for p in found), reverse=True)


def _with_indicator(pack: Path, ind_id: str, description: str) -> None:
    """Add an indicator to the fixture pack (the clash family's ratio, so it validates)."""
    with (pack / "indicators.yaml").open("a", encoding="utf-8") as f:
        f.write(
            f"  - id: {ind_id}\n    description: {description}\n    group: threats\n"
            "    rationale: Added by a test.\n    likelihood_ratios:\n      clash: [1.1, 2.0]\n"
        )


def test_words_meet_by_lemma_and_stem():
    from foresight.pack.proposals import stem, terms

    assert stem("took") == stem("take") and stem("held") == stem("hold")  # irregular verbs: the lemma table
    assert stem("negotiations") == stem("negotiate")  # one family: the stemmer
    assert terms("The talks were not held") == [stem("talks"), "not", stem("held")]  # negators stay visible


def test_a_term_many_indicators_share_weighs_less(pack):
    from foresight.pack.proposals import profiles

    _with_indicator(pack, "border-closed", "The border is closed to trade.")
    table = profiles(load_pack(pack).indicators.values())
    weights = table["border-closed"].weights
    assert weights["border"] < weights["trade"]  # 'border' also describes the drills
    assert table["drills"].norm == pytest.approx(sum(sorted(table["drills"].weights.values())[-5:]))


def test_key_terms_count_only_close_together(pack, tmp_path):
    near = "The military held drills by the border on Monday."
    far = (  # the same words as one long sentence's scattered asides
        "Large crowds gathered on Monday in the old square to hear the mayor speak about pensions, schools and "
        "roads; a military band then played old songs for hours while children ate ice cream and danced, and "
        "people who live near the river stayed late to watch fireworks, sing songs, eat cakes and drink tea with "
        "neighbours and cousins, and few came from the border villages."
    )
    assert "drills" in _one(pack, tmp_path, near)
    assert "drills" not in _one(pack, tmp_path, far)


def test_a_negated_description_is_matched_by_a_negated_sentence(pack, tmp_path):
    _with_indicator(pack, "army-loyal", "The army holds together, with no defection of senior commanders.")
    loyal = _one(pack, tmp_path, "No senior commanders have defected from the army, officials said.")["army-loyal"]
    broken = _one(pack, tmp_path, "Two senior commanders defected from the army on Monday.")["army-loyal"]
    assert (loyal.state, broken.state) == ("present", "absent")
    assert (loyal.direction, broken.direction) == ("certain", "uncertain")  # only the description negated: unsure
    doc_path = tmp_path / "broken.md"
    doc_path.write_text("Two senior commanders defected from the army on Monday.", encoding="utf-8")
    (_, features), *_ = [
        c for c in candidates(load_pack(pack), read_document(doc_path), 0.0) if c[0].indicator == "army-loyal"
    ]
    assert features["negated"] == 1.0  # a flip by negation counts less than the same match unflipped
    assert broken.confidence < confidence_model().probability(features | {"negated": 0.0})


def test_a_negated_sentence_reads_a_descriptions_own_absence_as_uncertain(pack, tmp_path):
    sentence = "The finance ministry said it will not ask anyone for rescue loans."
    _with_indicator(pack, "self-funded", "The finance ministry funds the bank rescue, without outside aid.")
    _with_indicator(pack, "ministry-funds", "The finance ministry funds the bank rescue.")
    found = _one(pack, tmp_path, sentence, min_confidence=0.0)
    own = found["self-funded"]  # the description's own absence, or the rest negated: it cannot tell which
    assert (own.state, own.direction) == ("present", "uncertain") and not own.accepted_by_default(0.0)
    plain = found["ministry-funds"]  # no absence in the description: a plain flip
    assert (plain.state, plain.direction) == ("absent", "certain")


def test_a_match_whose_words_a_fuller_match_holds_gives_way(pack, tmp_path):
    _with_indicator(pack, "crossing-talks", "Senior officials meet for talks at the border crossing of Kapikule.")
    fuller = _one(pack, tmp_path, "Senior officials met for talks at the Kapikule border crossing on Monday.")
    assert "crossing-talks" in fuller and "talks-held" not in fuller  # its words all belong to the fuller reading
    alone = _one(pack, tmp_path, "Senior officials met for talks in Geneva on Monday.")
    assert "talks-held" in alone


def test_a_reporting_verb_is_no_key_term(pack, tmp_path):
    _with_indicator(pack, "harbour-open", "The ruler says the harbour is open.")
    assert "harbour-open" not in _one(pack, tmp_path, "The ruler said the harvest was good.")
    assert "harbour-open" in _one(pack, tmp_path, "The ruler said the harbour is open.")


def test_a_sentence_proposes_three_indicators_at_most(pack, tmp_path):
    _with_indicator(pack, "leader-talks", "A leader talks in public about officials' threats of force and drills.")
    _with_indicator(pack, "drills-public", "Officials hold large military drills in public.")
    _with_indicator(pack, "force-talks", "Officials threatened force during talks.")
    text = "Senior officials met for talks and a leader threatened force in public during large military drills."
    found = _one(pack, tmp_path, text)
    assert len(found) == 3


def test_a_negator_is_no_key_term(pack, tmp_path):
    from foresight.pack.proposals import profiles, stem

    _with_indicator(pack, "harbour-shut", "The harbour is not open to ships.")
    assert stem("not") not in profiles(load_pack(pack).indicators.values())["harbour-shut"].weights
    assert "harbour-shut" not in _one(pack, tmp_path, "The ruler did not visit the harbour.")  # 'not' met no sign
    assert "harbour-shut" in _one(pack, tmp_path, "Ships have entered the harbour since it opened.")


def test_the_rationale_supports_a_match_but_never_makes_one(pack, tmp_path):
    with (pack / "indicators.yaml").open("a", encoding="utf-8") as f:
        f.write(
            "  - id: harbour-open\n    description: The harbour is open to ships.\n    group: threats\n"
            "    rationale: Merchant convoys sail when the blockade lifts.\n"
            "    likelihood_ratios:\n      clash: [1.1, 2.0]\n"
        )
    assert "harbour-open" in _one(
        pack, tmp_path, "Merchant convoys sailed into the harbour on Monday.", min_confidence=0
    )
    assert "harbour-open" not in _one(
        pack, tmp_path, "Merchant convoys sailed when the blockade lifted.", min_confidence=0
    )
    assert "harbour-open" not in _one(pack, tmp_path, "The harbour master retired on Monday.", min_confidence=0)


def test_the_score_floor_and_the_confidence_threshold_both_apply(pack, tmp_path):
    _with_indicator(pack, "ferry-resume", "Ferry crossings resume at the glacier quay.")  # five terms of one weight
    doc_path = tmp_path / "one.md"
    doc_path.write_text("The ferry reached the glacier on Monday.", encoding="utf-8")
    doc = read_document(doc_path)
    found = find_proposals(load_pack(pack), doc, min_score=0.39, min_confidence=0.0)
    assert [(p.indicator, round(p.score, 2)) for p in found] == [("ferry-resume", 0.4)]
    assert not find_proposals(load_pack(pack), doc, min_score=0.41, min_confidence=0.0)  # below the floor
    assert not find_proposals(load_pack(pack), doc, min_score=0.39, min_confidence=found[0].confidence + 0.01)
    default, model = find_proposals(load_pack(pack), doc), confidence_model()
    assert bool(default) == (found[0].score >= model.floor and found[0].confidence >= model.threshold)


def test_names_in_a_description_are_those_english_capitalises():
    from foresight.pack.proposals import _anchors, stem

    # "Prime Minister" is a title and "Large" opens a sentence; Ortiz and the Senate are names.
    found = _anchors("(Ortiz) The Prime Minister's party backs him in the Senate. Large crowds march.")
    assert found == {stem("ortiz"), stem("senate")}


def test_a_sign_about_a_named_leader_needs_the_name_in_its_passage(pack, tmp_path):
    for name in ("Ortiz", "Brandt"):
        _with_indicator(
            pack, f"{name.lower()}-party-backs", f"({name}) The ruling party backs the leader in parliament."
        )
    text = "## {name} under pressure\n\nThe ruling party said it backs the leader in parliament.\n"
    about_ortiz = _one(pack, tmp_path, text.format(name="Ortiz"))
    assert "ortiz-party-backs" in about_ortiz and "brandt-party-backs" not in about_ortiz  # the heading names him
    about_brandt = _one(pack, tmp_path, text.format(name="Brandt"))
    assert "brandt-party-backs" in about_brandt and "ortiz-party-backs" not in about_brandt


def test_seed_documents_recall_the_hand_coded_evidence():
    """The tuning set's figures (bench/ingest_recall.py --tuning): with the confidence refitted on six sets and
    the sixth change's context rules, precision 0.67 and recall 0.72 (fifth change: 0.67 / 0.72; the fourth
    change's hand-set weights: 0.65 / 0.72; the BM25 matcher: 0.51 / 0.72)."""
    import importlib.util

    pack = load_pack(SEED)
    if not all((pack.dir / d.path).is_file() for d in pack.documents.values() if d.path):
        pytest.skip("the seed documents' texts are not beside this checkout")
    spec = importlib.util.spec_from_file_location(
        "ingest_recall", Path(__file__).parents[1] / "bench" / "ingest_recall.py"
    )
    bench = importlib.util.module_from_spec(spec)
    sys.modules["ingest_recall"] = bench  # dataclasses look their module up while the class is made
    spec.loader.exec_module(bench)
    total = bench.tuning_set().total()
    assert total["expected"] >= 30
    assert total["recall"] >= 0.7 and total["precision"] >= 0.6


# --- the loop -------------------------------------------------------------------------


def test_ingest_ranks_by_expected_impact_and_records_the_document(pack, tmp_path):
    doc_path = tmp_path / "a.md"
    doc_path.write_text(ARTICLE, encoding="utf-8")
    done = ingest(pack, doc_path, dt.date(2020, 4, 1), author="C. Reporter", options=FAST)
    expected = [p.expected_impact for p in done.proposals]
    assert expected == sorted(expected, reverse=True) and expected[0] > 0
    top = done.proposals[0]
    assert top.impact == max(abs(v) for v in top.shifts.values())
    assert top.expected_impact == pytest.approx(top.confidence * top.impact)
    reloaded = load_pack(pack)
    record = reloaded.documents[done.document_id]
    assert (record.author, record.published, record.title) == (
        "C. Reporter",
        dt.date(2020, 4, 1),
        "Border tensions rise",
    )
    data, proposals = read_proposals(pack, done.document_id)
    assert [p.id for p in proposals] == [p.id for p in done.proposals]


def test_accept_writes_located_evidence_without_the_sentence_and_reject_sticks(pack, tmp_path):
    doc_path = tmp_path / "a.md"
    doc_path.write_text(ARTICLE, encoding="utf-8")
    done = ingest(pack, doc_path, dt.date(2020, 4, 1), options=FAST, document_id="reporter-2020")
    first, second = done.proposals[0], done.proposals[1]
    records = accept(pack, "reporter-2020", [first.id])
    loaded = load_pack(pack)
    ev = next(e for e in loaded.evidence if e.id == records[0]["id"])
    assert (ev.indicator, ev.document, ev.state, ev.observed) == (
        first.indicator,
        "reporter-2020",
        first.state,
        dt.date(2020, 4, 1),
    )
    assert f"Paragraph {first.paragraph}, sentence {first.sentence}" in ev.note
    sentence = read_document(doc_path).text[first.start : first.end].strip()
    assert sentence not in (pack / "evidence.yaml").read_text(encoding="utf-8")
    with pytest.raises(IngestError, match="already accepted or rejected"):
        accept(pack, "reporter-2020", [first.id])
    reject(pack, "reporter-2020", [second.id])
    _, proposals = read_proposals(pack, "reporter-2020")
    status = {p.id: p.status for p in proposals}
    assert status[first.id] == "accepted" and status[second.id] == "rejected"
    before = len(load_pack(pack).evidence)
    pending = [p for p in read_proposals(pack, "reporter-2020")[1] if p.accepted_by_default(0.0)]
    if not pending:
        with pytest.raises(IngestError, match="no pending proposal"):
            accept(pack, "reporter-2020", all_above=0.0)
        return
    added = accept(pack, "reporter-2020", all_above=0.0)
    assert {r["indicator"] for r in added} == {p.indicator for p in pending}
    assert second.indicator not in {r["indicator"] for r in added}  # rejected: not accepted by --all-above
    assert len(load_pack(pack).evidence) == before + len(added)


def test_accept_keeps_the_files_comments(pack, tmp_path):
    (pack / "evidence.yaml").write_text(
        "# my notes on the evidence\n" + (pack / "evidence.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    doc_path = tmp_path / "a.md"
    doc_path.write_text(ARTICLE, encoding="utf-8")
    done = ingest(pack, doc_path, dt.date(2020, 4, 1), options=FAST)
    accept(pack, done.document_id, [done.proposals[0].id])
    assert (pack / "evidence.yaml").read_text(encoding="utf-8").startswith("# my notes on the evidence\n")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--published", "2019-01-01"], "outside every question's window"),
        (["--published", "2020-04-01", "--id", "doc-a"], "already exists"),
        (["--published", "2020-04-01", "--id", "Bad Id"], "use lower-case letters"),
        (["--published", "2020-13-01"], "expected a date YYYY-MM-DD"),
        (["--published", "2020-04-01", "--min-confidence", "2"], "--min-confidence"),
    ],
)
def test_bad_ingest_input_exits_2_and_writes_nothing(pack, tmp_path, capsys, args, message):
    doc_path = tmp_path / "a.md"
    doc_path.write_text(ARTICLE, encoding="utf-8")
    before = snapshot(pack)
    assert cli(["ingest", str(pack), str(doc_path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err.strip().splitlines()[-1]  # one line says what is wrong (argparse adds its usage above)
    assert snapshot(pack) == before


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02", "caf\u00e9".encode("latin-1")])
def test_unreadable_file_exits_2_and_writes_nothing(pack, tmp_path, capsys, content):
    doc_path = tmp_path / "a.txt"
    doc_path.write_bytes(content)
    before = snapshot(pack)
    assert cli(["ingest", str(pack), str(doc_path), "--published", "2020-04-01"]) == 2
    assert "nothing was written" in capsys.readouterr().err
    assert snapshot(pack) == before


def test_cli_round_trip(pack, tmp_path, capsys):
    doc_path = tmp_path / "a.md"
    doc_path.write_text(ARTICLE, encoding="utf-8")
    assert cli(["ingest", str(pack), str(doc_path), "--published", "2020-04-01", "--id", "rep", "--draws", "400"]) == 0
    out = capsys.readouterr().out
    assert "added document rep" in out and "p01" in out
    assert cli(["accept", str(pack), "rep", "p01"]) == 0
    assert cli(["reject", str(pack), "rep", "p02"]) == 0
    assert cli(["accept", str(pack), "rep", "p99"]) == 2
    assert "no proposal(s) p99" in capsys.readouterr().err
    data = yaml.safe_load((pack / "proposals" / "rep.yaml").read_text(encoding="utf-8"))
    assert {p["id"]: p["status"] for p in data["proposals"]}["p02"] == "rejected"


def test_a_lower_floor_and_min_confidence_zero_offer_every_candidate(pack, tmp_path):
    import shutil

    other = tmp_path / "other"
    shutil.copytree(pack, other)
    doc_path = tmp_path / "a.md"
    doc_path.write_text(ARTICLE.replace("No talks are scheduled", "In 2011 officials did not meet"), encoding="utf-8")
    default = ingest(pack, doc_path, dt.date(2020, 4, 1), options=FAST).proposals
    every = ingest(other, doc_path, dt.date(2020, 4, 1), options=FAST, min_score=0.2, min_confidence=0.0).proposals
    threshold = confidence_model().threshold
    assert all(p.confidence >= threshold for p in default)
    assert {p.indicator for p in default} <= {p.indicator for p in every}
    assert any(p.confidence < threshold for p in every)  # below the model's threshold: shown only on request


@pytest.mark.usefixtures("notebook_env")
def test_ingest_notebook_shows_proposals_and_the_effect(pack, tmp_path):
    from nbhelpers import execute, outputs_of

    doc_path = tmp_path / "a.md"
    doc_path.write_text(ARTICLE, encoding="utf-8")
    ingest(pack, doc_path, dt.date(2020, 4, 1), options=FAST, document_id="rep")
    out = execute("ingest", tmp_path, pack=str(pack), document="rep", draws=400)
    html = "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs_of(out))
    assert "Senior officials from both sides met for talks" in html  # the sentence, read from the file
    assert "deal-by-june" in html
    assert sum(1 for o in outputs_of(out) if "image/png" in o.get("data", {})) == 1


# --- an impact that is what accepting does (issue 27) ---------------------------------------


def _accept_effect(pack: Path, tmp_path: Path, text: str, published: dt.date, indicator: str):
    """(shown shifts of the proposal for ``indicator``, actual forecast changes after accepting it)."""
    from foresight import forecast

    doc_path = pack / "docs" / "new.md"
    doc_path.parent.mkdir(exist_ok=True)
    doc_path.write_text(text, encoding="utf-8")
    done = ingest(pack, doc_path, published, options=FAST, document_id="new-doc")
    proposal = next(p for p in done.proposals if p.indicator == indicator)
    before = load_pack(pack)
    accept(pack, "new-doc", [proposal.id])
    after = load_pack(pack)
    actual = {}
    for qid, first_day in proposal.counts_from.items():
        when = dt.date.fromisoformat(first_day)
        actual[qid] = forecast(after, qid, when, FAST).mean - forecast(before, qid, when, FAST).mean
    return proposal.shifts, actual


def test_shown_impact_is_zero_when_a_firmer_sign_stands(pack, tmp_path):
    # ev-talks (present, credibility 0.9, no end) stands: a less credible later report does not replace it
    shown, actual = _accept_effect(
        pack, tmp_path, "Senior officials met for talks in Geneva on Monday.", dt.date(2020, 4, 1), "talks-held"
    )
    assert shown and all(v == 0.0 for v in shown.values())
    assert actual == pytest.approx(shown, abs=1e-12)


def test_shown_impact_reaches_questions_that_open_later(pack, tmp_path):
    evidence = yaml.safe_load((pack / "evidence.yaml").read_text(encoding="utf-8"))
    evidence["evidence"] = [ev for ev in evidence["evidence"] if ev["indicator"] != "threat-made"]
    (pack / "evidence.yaml").write_text(yaml.safe_dump(evidence, sort_keys=False), encoding="utf-8")
    shown, actual = _accept_effect(
        pack, tmp_path, "The defence minister threatened force in public on Sunday.", dt.date(2020, 2, 1), "threat-made"
    )
    assert "clash-by-december" in shown  # opens 2020-03-01, after the document: the sign still counts then
    assert shown["clash-by-december"] > 0
    assert actual == pytest.approx(shown, abs=1e-12)


def test_accept_warns_when_validity_reaches_later_questions_and_takes_the_event_date(pack, tmp_path, capsys):
    doc_path = pack / "docs" / "new.md"
    doc_path.parent.mkdir(exist_ok=True)
    doc_path.write_text("The defence minister threatened force in public on Sunday.", encoding="utf-8")
    assert cli(["ingest", str(pack), str(doc_path), "--published", "2020-02-01", "--id", "new-doc"]) == 0
    proposals = read_proposals(pack, "new-doc")[1]
    pid = next(p.id for p in proposals if p.indicator == "threat-made")
    capsys.readouterr()
    assert cli(["accept", str(pack), "new-doc", pid]) == 0
    assert "clash-by-december" in capsys.readouterr().err  # warned: it reaches a question opening later
    assert cli(["accept", str(pack), "new-doc", "p99", "--event-date", "2020-03-01"]) == 2  # after publication
    ev = next(e for e in load_pack(pack).evidence if e.document == "new-doc")
    assert ev.observed == dt.date(2020, 2, 1)


def test_reingesting_a_document_keeps_its_id_and_does_not_offer_rejected_again(pack, tmp_path, capsys):
    doc_path = pack / "docs" / "a.md"
    doc_path.parent.mkdir(exist_ok=True)
    doc_path.write_text(ARTICLE, encoding="utf-8")
    first = ingest(pack, doc_path, dt.date(2020, 4, 1), options=FAST, author="C. Reporter and D. Second")
    assert first.document_id.startswith("reporter-2020")  # the first author, not the second
    rejected = first.proposals[0]
    reject(pack, first.document_id, [rejected.id])
    before = snapshot(pack)
    with pytest.raises(IngestError, match=f"already ingested as document '{first.document_id}'"):
        ingest(pack, doc_path, dt.date(2020, 4, 1), options=FAST)
    assert snapshot(pack) == before
    assert cli(["ingest", str(pack), str(doc_path), "--published", "2020-04-01"]) == 2
    n_documents = len(load_pack(pack).documents)
    again = ingest(pack, doc_path, dt.date(2020, 4, 1), options=FAST, update=True)
    assert again.document_id == first.document_id and len(load_pack(pack).documents) == n_documents
    assert rejected.indicator not in {p.indicator for p in again.proposals}
    statuses = {p.id: p.status for p in read_proposals(pack, first.document_id)[1]}
    assert statuses[rejected.id] == "rejected"
    offered = ingest(pack, doc_path, dt.date(2020, 4, 1), options=FAST, update=True, offer_rejected=True)
    assert rejected.indicator in {p.indicator for p in offered.proposals}
