"""`foresight new PACK`: a new pack that validates at once, one worked and commented example of each record.

The example is a made-up negotiation between two made-up states (Aland and Beland), so nobody
mistakes it for a finding; every field the schema allows appears once, with a comment saying what
it means and when to leave it out. The analyst replaces the examples one by one and re-runs
``foresight validate`` after each file. The README stub lists what an honest pack states.

Nothing is ever overwritten: an existing folder that holds anything is refused, and the files are
written into a hidden sibling folder that is renamed into place only when complete.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from foresight.base.locking import LOCK_FILE, FolderBusy, folder_lock
from foresight.base.terminal import has_control
from foresight.pack.loader import LINKS_FILE, PACK_FILE
from foresight.pack.schema import EVENT_LOGS_FILE, OPTIONAL_RECORD_FILES, RECORD_FILES

PACK_FILES = (
    PACK_FILE,
    *RECORD_FILES,
    LINKS_FILE,
    *OPTIONAL_RECORD_FILES,
    EVENT_LOGS_FILE,
    "README.md",
)
"""The files a new pack gets: every file the loader reads (named where the loader names them), and a README."""


class ScaffoldError(Exception):
    """The pack cannot be created where asked (an existing folder with files in it, say)."""


def pack_id_for(folder: Path) -> str:
    """An id for the pack from its folder's name: lower-case letters, digits, '-' and '_'."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", folder.name.lower()).strip("-_")
    return slug[:80] or "my-pack"


def new_pack(folder: str | os.PathLike, title: str | None = None) -> Path:
    """Write the example pack into ``folder`` (missing or empty) and return its path.

    Raises :class:`ScaffoldError` when ``folder`` is a file or a folder that is not empty;
    nothing is written then.
    """
    target = Path(folder).expanduser()
    if title is not None and has_control(title):
        raise ScaffoldError(f"--title {title!r} holds control characters; give plain text")
    if target.exists() and not target.is_dir():
        raise ScaffoldError(f"{target} is a file; give a new folder for the pack")
    if not target.is_dir():
        return _write_pack(target, title)
    _refuse_filled(target)  # before the lock file is made in it
    try:  # an existing empty folder: two `new`s into it must not both fill it
        with folder_lock(target):
            return _write_pack(target, title)
    except FolderBusy as exc:
        raise ScaffoldError(str(exc)) from None


def _refuse_filled(target: Path) -> None:
    if target.is_dir() and any(p.name != LOCK_FILE for p in target.iterdir()):
        raise ScaffoldError(f"{target} already exists and is not empty; nothing was written (choose a new folder)")


def _write_pack(target: Path, title: str | None) -> Path:
    _refuse_filled(target)  # again under the lock: another `new` may have filled it meanwhile
    pack_id = pack_id_for(target.resolve())
    text = {name: template for name, template in _TEMPLATES.items()}
    title = " ".join((title or f"{pack_id}: a new scenario pack").split())
    text["pack.yaml"] = text["pack.yaml"].replace("{id}", pack_id).replace("{title}", _yaml_text(title))
    text["README.md"] = text["README.md"].replace("{id}", pack_id).replace("{title}", title)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".new", dir=target.parent))
    try:
        for name in PACK_FILES:
            (staging / name).write_text(text[name], encoding="utf-8")
        if target.is_dir():  # empty: move the files in (rename over a non-empty folder would fail anyway)
            for name in PACK_FILES:
                os.replace(staging / name, target / name)
            staging.rmdir()
        else:
            os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _yaml_text(value: str) -> str:
    """A title as a YAML double-quoted string, so a colon, a '#' or a leading '-' stays text."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


_PACK = """\
# pack.yaml: what the pack is about and the vocabulary the other files use.
# Everything below is a made-up EXAMPLE (two made-up states, Aland and Beland): replace it.
id: {id}                     # lower-case letters, digits, '-' and '_'
title: {title}
description: >
  EXAMPLE. Questions raised by two (made-up) reports on the water-sharing talks between
  Aland and Beland in early 2025: whether a treaty is signed by mid-2025 and whether the
  June summit ends with a joint communique. Say here which documents raised the questions,
  the period they cover, and whether the questions have resolved.
default_as_of: 2025-02-01    # optional: the date joint scenarios are forecast as of (default: latest document)
families:                    # one line per kind of question; every question names one
  treaty: A water-sharing treaty between Aland and Beland is signed.
  summit: A leaders' summit between Aland and Beland produces an agreed outcome.
  incident: An incident at the shared border dam.
correlation_groups:          # every indicator belongs to one; rho 0 = independent ... 1 = the same signal
  negotiation:
    description: Progress signals from the negotiating table; largely one signal.
    rho: 0.6                 # optional (default 0.5)
  friction: Public quarrels between the two governments.   # short form: just the description, rho 0.5
correlation_discount: none   # optional: every sign counts fully, which the library's backtest scores best; by_direction
                             # discounts alike signs among those pointing the same way, whole_group (the default) all
default_credibility: 0.7     # optional: credibility of evidence accepted from `foresight ingest` proposals
calibration: true            # optional: false keeps this pack's forecasts raw (no shipped calibration beside them)
# lint_acknowledged:         # optional: `foresight lint` warnings you have answered, so they stop repeating
#   - code: criteria-no-date   # the warning's code and where, as `foresight lint` prints them
#     where: summit-communique
#     answer: Why the warning stands, in a sentence a reviewer can check.
"""

_DOCUMENTS = """\
# documents.yaml: the sources read. Keep metadata and your paraphrase, never the text itself.
documents:
  - id: aland-herald-2025-01-20            # cited by questions (raised_by) and evidence (document)
    title: Negotiators report a draft text on river quotas     # as printed (EXAMPLE: made up)
    author: A. Correspondent
    outlet: The Aland Herald
    published: 2025-01-20                  # YYYY-MM-DD, unquoted
  - id: beland-review-2025-02-01
    title: Beland's minister attacks the quota formula
    author: B. Columnist
    outlet: Beland Review
    published: 2025-02-01
    date_note: "Undated online; dated from the minister's speech it reports (given on 31 January)."   # optional
    url: https://example.org/beland-review/quota-formula   # optional: where to read it
    # path: ../texts/beland-review.txt     # optional: a local copy OUTSIDE the pack (validate notes if missing)
"""

_QUESTIONS = """\
# questions.yaml: questions a third party can resolve from public sources (yes/no unless they say `type:`).
questions:
  - id: treaty-signed-by-2025-06-30        # the id says what and the deadline
    title: Will Aland and Beland sign a water-sharing treaty on or before 30 June 2025?
    family: treaty
    kind: by_deadline        # happens at any time in the window: the class's rate is scaled to the window left
    opens: 2025-01-20        # on or after the publication of every raised_by document
    closes: 2025-06-30
    criteria: >
      Both foreign ministries publish a treaty text signed by both governments on or before
      30 June 2025. An initialled draft or a memorandum of understanding does not count.
    raised_by: [aland-herald-2025-01-20]   # optional: the documents that raised it
    reference_class: river-treaty-talks    # optional when exactly one class serves the family
    resolution: "no"                       # optional, with the next two: quote yes/no to keep them text
    resolved_on: 2025-06-30                # a by_deadline 'no' resolves on or after closes
    resolution_source: EXAMPLE - the two foreign ministries' treaty lists (made up).
    notes: A free note for readers (optional).
  - id: summit-communique
    title: Will the June 2025 Aland-Beland summit end with a joint communique on water?
    family: summit
    kind: one_shot           # decided at one moment: the class's rate is used as it is, no window scaling
    opens: 2025-02-01
    closes: 2025-06-15
    criteria: >
      Both governments publish, on their official websites, the same communique text mentioning
      river water after the summit of 14-15 June 2025.
    raised_by: [beland-review-2025-02-01]
    criterion_kind: declare  # optional: what the criteria ask (meet / sign / declare / ...); `kind:` ratios match it
    sponsor: beland          # optional: who acts; validate warns when one ratio serves questions of several sponsors
    reference_classes:       # optional, instead of reference_class: one or more classes, each weighted
      - id: summit-outcomes
        weight: 0.7
        relevance: 0.8       # optional: how far this class stands for THIS question (a proxy counts less)
        where: {tags: [water]}   # optional: only the cases carrying one of these tags
        rationale: The closest cases - summits between neighbours over water (say why, as of opens).
    analyst_prior:           # optional: your own 90% interval for the whole window, as one more source
      interval: [0.3, 0.8]
      weight: 0.3            # its share of the outside view (alone it is the whole outside view)
      rationale: Both leaders have staked their name on the summit (as known on opens).
    # not resolved yet: leave out resolution, resolved_on and resolution_source until it resolves
  - id: dam-incident-by-2025-12-31
    title: Will either side report an incident at the border dam on or before 31 December 2025?
    family: incident
    kind: by_deadline
    opens: 2025-02-01
    closes: 2025-12-31
    criteria: >
      Either government's interior ministry reports an incident at the border dam on or before
      31 December 2025, as published on its website.
    raised_by: [beland-review-2025-02-01]
    event_log:               # optional: a rate from a dated log of past events, instead of (or beside) a class
      id: dam-incidents
      rationale: Incidents recur; their recent rate says more than a class of cases would.
    hazard:                  # optional: how the chance accrues over the window (default: evenly)
      shape: rising          # constant | rising | falling
      ratio: 2.0             # the hazard at the window's end over its start
      decision_points:       # dated moments holding a share of the window's chance
        - {date: 2025-06-15, share: 0.2, note: The summit day - both sides send their dam crews.}
      starts: {date: 2025-03-01}   # or {question: ID}: the clock starts when that question resolves yes
  # --- beyond yes/no: `type: options` (one of several outcomes) and `type: date` (when, or not by closes).
  # Put them after the yes/no questions; docs/explanation/outcome-types.md says how each is forecast.
  - id: summit-ending
    title: How will the June 2025 Aland-Beland summit end?
    family: summit
    kind: one_shot           # an options question is one_shot: its outcome is read once, at closes
    type: options            # binary (the default) | options | date
    options:                 # exclusive and exhaustive, in order
      - {id: treaty, label: A water treaty signed at the summit}
      - {id: communique, label: "A joint communique, nothing signed"}
      - {id: no-text, label: No joint text}
    # ordered: true          # optional: the options are ranked (scored by RPS), e.g. bins of a quantity
    # bins: [0, 10, 25, 100] # optional, with ordered: numeric edges, option k is [edge k, edge k+1)
    opens: 2025-02-01
    closes: 2025-06-15
    criteria: >
      treaty: both leaders sign a water treaty during the summit of 14-15 June 2025; communique:
      no signature, but both governments publish one joint text; no-text: neither.
    raised_by: [beland-review-2025-02-01]
    reference_class: summit-endings   # a class whose cases record option: (see reference_classes.yaml)
    options_prior:           # optional: your own view over the options, one more source of the outside view
      probabilities: {treaty: 0.2, communique: 0.5, no-text: 0.3}   # add up to 1 (or, with bins, quantiles: {0.05: x, 0.5: y, 0.95: z})
      strength: 10           # how many cases it is worth (a Dirichlet with these means)
      weight: 0.3            # its share of the outside view
      rationale: A treaty text is not ready; both leaders want to be seen agreeing on something.
    # resolved_option: communique   # once resolved, with resolved_on and resolution_source
  - id: treaty-signing-date
    title: When will Aland and Beland sign a water-sharing treaty (before 31 December 2025)?
    family: treaty
    kind: by_deadline        # a date question is by_deadline: hazard, decision points and triggers work as for yes/no
    type: date
    opens: 2025-01-20
    closes: 2025-12-31
    criteria: >
      The date both foreign ministries publish a treaty text signed by both governments; 'no'
      if that does not happen on or before 31 December 2025.
    raised_by: [aland-herald-2025-01-20]
    reference_class: river-treaty-talks
    # A yes/no by_deadline question inside this window may say `point_of: treaty-signing-date`: its
    # forecast is then this curve at its own closes (same draws and evidence), so a ladder of deadlines
    # can never disagree with itself.
    # point_of: treaty-signing-date
"""

_CLASSES = """\
# reference_classes.yaml: historical cases that give each question its outside view (base rate).
# List the failures too: a list of only the famous successes makes every base rate too high.
reference_classes:
  - id: river-treaty-talks
    title: Bilateral river-sharing talks that reached a draft text
    serves: [treaty]         # families and/or question ids
    relevance: 0.5           # (0, 1]: how far these cases stand for the question (a power prior; < 1 for a proxy)
    exposure_years: 1.0      # needed for by_deadline questions: how long each case had for the event to happen
    description: >
      Each case is one set of talks, from the first draft text; outcome yes when a treaty was
      signed within a year of it (the same yardstick as the exposure period). EXAMPLE cases.
    study: Name the published study or data set the list comes from (optional).
    cases:
      - name: EXAMPLE talks 1 (replace with a real case)
        date: 2001-03-01     # when the case started; only cases before a question opens are used
        outcome: "yes"
        source: One line saying where the outcome can be checked.
        indicators: {draft-text-agreed: present, public-dispute: absent}   # optional codings
        tags: [upstream]     # optional: labels a question's `where` filter can select
      - name: EXAMPLE talks 2
        date: 2006-09-15
        outcome: "no"
        outcome_known: 2007-09-15   # optional: when the outcome was known (default: date); used only if before opens
        source: One line saying where the outcome can be checked.
        indicators: {draft-text-agreed: present, public-dispute: present}
      - name: EXAMPLE talks 3
        date: 2012-05-10
        outcome: "no"
        source: One line saying where the outcome can be checked.
        indicators: {public-dispute: 0.5}     # a strength in [0, 1]: seen, but only partly
      - {name: EXAMPLE talks 4, date: 2018-11-20, outcome: "yes", source: "Inline form: quote text with a comma, like this"}
    outcome_criterion: A treaty signed by both governments within a year   # optional: what counts as yes (lint compares it with the questions)
    missing:                 # optional: cases known to be missing from the list, added to its counts
      failures: 2
      note: Two stalled talks of the 2000s are known but undocumented (say how you know).
    excluded:                # optional: cases left out on purpose, with outcome and reason (lint: not all one side)
      - {name: EXAMPLE talks under mediation, outcome: "no", reason: A third party drafted the text (another process).}
  - id: summit-outcomes
    title: Leaders' summits between neighbours in a dispute
    serves: [summit]
    relevance: 0.7
    cases:
      - {name: EXAMPLE summit A, date: 2003-06-01, outcome: "yes", source: Joint statement archive (made up), tags: [water]}
      - {name: EXAMPLE summit B, date: 2010-04-12, outcome: "no", source: Joint statement archive (made up), tags: [water]}
      - {name: EXAMPLE summit C, date: 2016-10-03, outcome: "yes", source: Joint statement archive (made up), tags: [borders]}
  - id: summit-endings       # a class for an options question: each case records option: (not outcome:)
    title: Leaders' summits between neighbours in a dispute - how did they end?
    serves: [summit-ending]
    relevance: 0.7
    cases:
      - {name: EXAMPLE summit A, date: 2003-06-01, option: communique, source: Joint statement archive (made up)}
      - {name: EXAMPLE summit B, date: 2010-04-12, option: no-text, source: Joint statement archive (made up)}
      - {name: EXAMPLE summit C, date: 2016-10-03, option: treaty, source: Joint statement archive (made up)}
"""

_INDICATORS = """\
# indicators.yaml: observable signs, each with a likelihood ratio per family or question id.
indicators:
  - id: draft-text-agreed
    description: Negotiators say a common draft text exists.
    group: negotiation
    rationale: >
      Treaties are rarely signed without an agreed draft, but many drafts stall; so seeing one
      is a few times likelier when a treaty follows. Cite only what was known when the question opened.
    likelihood_ratios:       # 90% interval of P(seen | yes) / P(seen | no)
      treaty: [1.5, 4.0]
      summit: {lo: 1.1, hi: 2.5}           # the same interval, mapping form
      "kind:declare": [1.2, 3.0]           # for questions whose criterion_kind is declare (wins over the family)
    absence_weight: 0.5      # optional, [0, 1]: how strongly seeing it ABSENT counts against (default 1)
    cues: [draft text, common text]        # optional: phrases that signal it, for `foresight ingest`
    counter_cues: [no draft, draft collapsed]   # optional: phrases that signal its absence
  - id: public-dispute
    description: A minister attacks the other side's position in public.
    group: friction
    rationale: Public attacks happen in most talks, a little more often in those that fail.
    likelihood_ratios:
      treaty: [0.4, 0.9]     # below 1: seeing it makes a yes less likely
      summit: [0.5, 0.95]
      incident: [1.2, 3.0]
    shelf_life_days: 120     # optional: an observation stops counting this many days after it was made
  - id: mediator-appointed
    description: A third party is named to mediate.
    group: negotiation
    rationale: Mediation helps some talks over the line, but is also a sign they are stuck.
    likelihood_ratios:
      treaty-signed-by-2025-06-30: [0.8, 2.0]   # a question id: wins over its family's interval
    unobserved_reason: No document so far reports on mediation either way (optional).
  - id: communique-issued
    description: The June summit ended with a joint communique (observed from that question's resolution).
    group: negotiation
    rationale: A communique shows the goodwill a treaty needs; most treaties follow one.
    likelihood_ratios:
      treaty: [1.5, 5.0]
    resolution_of: {question: summit-communique, present_when: "yes"}   # observed from its resolved_on on
  - id: leaders-call
    description: The two leaders speak by phone in the weeks before the summit.
    group: negotiation
    rationale: A call settles what the leaders will put their names to; without one, a walkout is likelier.
    option_ratios:           # for options questions: 90% interval of P(seen | option) / P(seen | reference)
      summit-ending:
        reference: no-text   # options not listed have ratio 1 against it
        ratios: {treaty: [1.5, 4.0], communique: [1.2, 2.5]}
"""

_EVIDENCE = """\
# evidence.yaml: what each document shows, one indicator at a time, in your own words.
evidence:
  - id: ev-draft-text
    indicator: draft-text-agreed
    document: aland-herald-2025-01-20
    observed: 2025-01-20     # on or after the document's publication; counts from this date
    state: present           # present | absent | a strength in [0, 1]
    credibility: 0.8         # [0, 1]: how far you trust the report; 0 switches it off
    note: Second paragraph - both delegations confirm a draft on quotas (paraphrase).
  - id: ev-minister-attack
    indicator: public-dispute
    document: beland-review-2025-02-01
    observed: 2025-02-01
    state: 0.5               # partly seen: the attack was on one formula, not the talks
    credibility: 0.9
    note: Opening paragraphs - the minister calls the quota formula unfair (paraphrase).
    valid_until: 2025-04-30  # optional: the last day it counts (else the indicator's shelf life, else always)
  - id: ev-draft-disputed
    indicator: draft-text-agreed
    document: beland-review-2025-02-01
    observed: 2025-02-01
    state: absent            # looked for and not found; counts against with the indicator's absence_weight
    credibility: 0.4
    note: Last paragraph - says the draft is 'not agreed on our side' (paraphrase).
    supersedes: true         # optional: replaces the firmer earlier report (else a less credible one does not)
"""

_LINKS = """\
# links.yaml (optional): how questions depend on each other, conditional questions, named scenarios.
drivers:                     # latent drivers: questions loading on one rise and fall together
  - id: aland-beland-relations
    description: How well the two governments are getting on.
    rationale: A treaty and a summit communique both need the same goodwill.
    strength: [0.1, 0.5]     # 90% interval in (0, 1): share of each question's latent variation
    loadings: {treaty: 0.7, summit: 0.6}   # [-1, 1] per family or question id
conditionals:                # P(question | given outcomes), read off the joint model
  - id: treaty-if-communique
    title: Treaty by June, given a joint communique at the summit
    question: treaty-signed-by-2025-06-30
    given: {summit-communique: "yes"}
    rationale: Why this condition is worth asking about (optional).
scenarios:                   # named combinations: question ids with and, or, not, ( )
  - id: breakthrough
    title: Communique and treaty
    expression: summit-communique and treaty-signed-by-2025-06-30
    description: Both come off; what a reader should take from it (optional).
hinges:                      # B hinges on A: your 90% intervals on P(B | A yes) and P(B | A no)
                             # (B may be a date question: its curve, and every point_of rung of it, then carry the hinge)
  - question: treaty-signed-by-2025-06-30
    on: summit-communique
    p_if_yes: [0.3, 0.7]
    p_if_no: [0.05, 0.3]
    rationale: Neither side signs without the summit's political cover (as known on opens).
    follows_within_days: 30  # optional: B follows A within 30 days when it follows (P(B | A) then keeps its size)
"""

_TIMELINE = """\
# timeline.yaml (optional): dated public facts of the day, each with its source; evidence may cite
# an entry's id in `document:`, and history charts mark the entries.
timeline:
  - id: tl-talks-resume
    date: 2025-01-15
    fact: EXAMPLE - the two delegations resume talks in a neutral capital.
    source: EXAMPLE - both foreign ministries' press releases of the day.
    url: https://example.org/aland-mfa/2025-01-15   # optional: where to read the source
"""

_EXTERNAL = """\
# external_forecasts.yaml (optional): forecasts of the time from elsewhere (a crowd, a market, a colleague),
# scored beside the model in the backtest.
external_forecasts:
  - question: summit-communique
    source: EXAMPLE crowd forecast
    date: 2025-03-01         # on or after opens, before the question resolves
    probability: 0.55
    match: close             # same | close | broader | narrower: how closely their question is this one
    source_question: Will the summit end with a joint statement?   # optional: their question as they asked it
    note: Their question asked for any joint statement (optional).
    url: https://example.org/crowd/question-123   # optional
  - question: summit-ending  # an options question: one probability per option instead of probability
    source: EXAMPLE crowd forecast
    date: 2025-03-01
    probabilities: {treaty: 0.1, communique: 0.6, no-text: 0.3}   # add up to 1
    match: same
  - question: treaty-signing-date   # a date question: probability of the event by the end of day `by`
    source: EXAMPLE market
    date: 2025-03-01
    probability: 0.4
    by: 2025-06-30           # optional (default: closes): one point of the question's curve
    match: same
"""

_EVENT_LOGS = """\
# event_logs.yaml (optional): dated logs of repeatable events; a question uses one with `event_log:`.
event_logs:
  - id: dam-incidents
    title: Reported incidents at the border dam
    serves: [incident]       # informational: a question names the log it uses
    since: 2019-01-01        # when the log's coverage starts (default: its first event)
    half_life_years: 3       # optional: older events and exposure count less
    description: Every incident either interior ministry reported (EXAMPLE dates).
    events:
      - {date: 2020-05-04, source: EXAMPLE ministry bulletin}
      - {date: 2022-08-19, source: EXAMPLE ministry bulletin, note: Gates opened without notice}
      - {date: 2024-07-02, source: EXAMPLE ministry bulletin}
"""

_README = """\
# {title}

Scenario pack `{id}`, written with `foresight new`. Every record in it is a made-up
EXAMPLE: replace them, then check the pack after each file with

```sh
foresight validate PATH/TO/THIS/PACK            # problems and warnings; --strict makes warnings errors
foresight run PATH/TO/THIS/PACK --draws 500     # every notebook, into runs/<id>/
```

## What this pack covers

Which documents raised the questions, the period, who wrote the pack and when.

## Checklist: what an honest pack states

- [ ] Every question can be resolved by a third party from a named public source, with
      absolute dates (opens, closes) and criteria that do not hinge on someone saying words.
- [ ] The pack is written as its analyst could have written it on each question's `opens`:
      no rationale, case or likelihood ratio uses what was learnt later.
- [ ] Each reference class is a full list (its failures too), says where it comes from
      (`study`, each case's `source`), and judges its outcomes by the same criterion as
      the questions it serves.
- [ ] Each `exposure_years` is the time each case had for the event to happen, measured
      the way the case outcomes were judged.
- [ ] A class that only resembles the question (a proxy) says so in its `description`
      and has a `relevance` below 1.
- [ ] Each indicator's rationale says why its likelihood-ratio interval is that wide;
      indicators that are one signal share a correlation group with a high `rho`.
- [ ] Evidence paraphrases the document and says where in it the sign stands; the
      pack keeps no article text.
- [ ] Undated documents say how they were dated (`date_note`).
- [ ] Resolutions name their source and date; resolved questions stay in the pack.
- [ ] `foresight validate --strict` passes, or each remaining warning is explained here.
"""

_TEMPLATES = {
    "pack.yaml": _PACK,
    "documents.yaml": _DOCUMENTS,
    "questions.yaml": _QUESTIONS,
    "reference_classes.yaml": _CLASSES,
    "indicators.yaml": _INDICATORS,
    "evidence.yaml": _EVIDENCE,
    "links.yaml": _LINKS,
    "timeline.yaml": _TIMELINE,
    "external_forecasts.yaml": _EXTERNAL,
    "event_logs.yaml": _EVENT_LOGS,
    "README.md": _README,
}
