"""How simulated customers word things: personas, and openings built from templates.

A *persona* is a way of talking (terse, chatty, formal, impatient, unsure). It changes the words of
the opening and of every scripted reply, never what they mean: a confirmation still starts with
"Yes", a refusal or a correction with "No", a fact is still stated whole, a device report still
names the action it ran. The neutral persona (``""``, used by tasks that set none) keeps one plain
wording per act.

A task records its persona by name in ``Scenario.style`` (and its description in
``Scenario.persona``, which an LLM user is briefed with), so a transcript can be reproduced and
read. Which template a reply uses is drawn from a generator seeded with the task id and the turn.

Openings are built by :func:`opening`: a family offers several templates that say the same goal the
way different customers would (some name the order or reservation, some leave every detail to be
asked for); one is drawn by a key of the task's content, and the persona adds its greeting, its
manner and its sign-off.

Reply templates are plain :meth:`str.format` strings; the fields each act receives:

============ ==========================================================================
act          fields
============ ==========================================================================
reveal       ``subject`` ("my email", "the order to cancel"), ``Subject`` (capitalised), ``value``
confirm      (none): agrees to a proposal; starts with "Yes"
right        (none): agrees that a restated fact is right; starts with "Yes"
decline      ``request``: refuses an action it did not ask for; starts with "No"
only         ``request``: refuses a wider action than it asked for; starts with "No"
correct      ``said``, ``right``: names the right value; starts with "No"
choose       ``option``
prefer       ``price``, ``word``: the option its stated preference picks
unknown      (none): asked for a fact it does not hold
restate      ``request``: asked how it can be helped
more         ``request``: asked whether there is anything else before its goal is done
goodbye      (none): its goal is done, nothing else
transfer     (none): handed to a human agent
enough       (none): the agent said something that asks nothing
leave        (none): too many turns
device       ``action``, ``result``: what it did on its phone and what the phone shows
============ ==========================================================================
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Persona:
    """A way of talking: a description for an LLM user, and templates for each act (see the module)."""

    name: str
    description: str
    greetings: tuple[str, ...]
    manners: tuple[str, ...]  # a sentence said before the request ("" for none)
    sign_offs: tuple[str, ...]
    reveal: tuple[str, ...]
    confirm: tuple[str, ...]
    right: tuple[str, ...]
    decline: tuple[str, ...]
    only: tuple[str, ...]
    correct: tuple[str, ...]
    choose: tuple[str, ...]
    prefer: tuple[str, ...]
    unknown: tuple[str, ...]
    restate: tuple[str, ...]
    more: tuple[str, ...]
    goodbye: tuple[str, ...]
    transfer: tuple[str, ...]
    enough: tuple[str, ...]
    leave: tuple[str, ...]
    device: tuple[str, ...]

    def say(self, act: str, seed: str, **fields: str) -> str:
        """One of the act's templates, drawn as ``random.Random(seed).choice`` draws, filled in."""
        templates = getattr(self, act)
        # one template is the only pick, whatever the generator would draw
        return templates[draw(seed, len(templates)) if len(templates) > 1 else 0].format(**fields)


@functools.lru_cache(maxsize=8192)
def draw(seed: str, n: int) -> int:
    """The index ``random.Random(seed).choice`` picks among ``n`` items.

    Cached: seeding a generator from a string (SHA-512, then the Mersenne Twister's key schedule)
    costs more than the rest of a scripted reply, and a task's episodes draw the same seeds (task
    id, turn, act) again and again."""
    return random.Random(seed).choice(range(n))


NEUTRAL = Persona(
    name="",
    description="",
    greetings=("Hi!", "Hello,", "Hey,", "Good morning.", "Good afternoon!", "Hi there.", ""),
    manners=("",),
    sign_offs=("", "", " Thanks!", " Thank you in advance.", " I'd appreciate your help.", " Can you help me?"),
    reveal=("{Subject} is {value}.",),
    confirm=("Yes, please go ahead.",),
    right=("Yes, that's right.",),
    decline=("No, I don't want that. {request}",),
    only=("No, I only want this: {request}",),
    correct=("No, that's not right: it's {right}, not {said}.",),
    choose=("{option}, please.",),
    prefer=("The ${price} one, please: I prefer the {word} option.",),
    unknown=("I'm sorry, I don't know that.",),
    restate=("{request}",),
    more=("Yes: {request}",),
    goodbye=("No, that's all. Thank you!",),
    transfer=("Okay, thank you.",),
    enough=("Thank you, that's all I needed.",),
    leave=("I have to go now.",),
    device=("Okay, I did that ({action}). My phone shows: {result}",),
)

STYLES = (
    Persona(
        name="terse",
        description="Terse: answers in as few words as possible, no small talk.",
        greetings=("Hi.", "", "Hello."),
        manners=("",),
        sign_offs=("", "", " Thanks."),
        reveal=("{Subject}: {value}.", "{value}.", "It's {value}."),
        confirm=("Yes.", "Yes, go ahead.", "Yes, do it."),
        right=("Yes.", "Yes, correct."),
        decline=("No. {request}", "No, not that. {request}"),
        only=("No, just this: {request}", "No. Only this: {request}"),
        correct=("No: {right}, not {said}.", "No, it's {right}."),
        choose=("{option}.", "{option}, please."),
        prefer=("${price} one. I want the {word} option.", "The ${price} one ({word})."),
        unknown=("Don't know.", "I don't know that."),
        restate=("{request}",),
        more=("Yes. {request}",),
        goodbye=("No, that's all. Thanks.", "No. Bye."),
        transfer=("Fine, thanks.", "Okay."),
        enough=("Thanks, that's all.", "Got it, thanks."),
        leave=("Have to go.",),
        device=("Done ({action}). It shows: {result}", "Did it ({action}). Screen says: {result}"),
    ),
    Persona(
        name="chatty",
        description="Chatty and friendly: adds a little small talk, but gives the facts asked for.",
        greetings=("Hi there, hope your day is going well!", "Hello! Thanks for picking up.", "Hey, how are you?"),
        manners=("I've been meaning to sort this out.", "Hope you can help me out.", ""),
        sign_offs=(" Thanks so much!", " You're a lifesaver.", " I really appreciate it!"),
        reveal=(
            "Of course! {Subject} is {value}.",
            "Let me see... {subject} is {value}.",
            "{Subject} is {value}, happy to help with that.",
        ),
        confirm=("Yes, please go ahead, thank you so much!", "Yes! That would be great.", "Yes, that sounds perfect."),
        right=("Yes, that's right!", "Yes, exactly right."),
        decline=(
            "No, I don't want that, thanks though! {request}",
            "No no, I didn't ask for that. {request}",
        ),
        only=("No, just the one thing, please: {request}", "No, I only want this: {request}"),
        correct=(
            "No, that's not right, sorry: it's {right}, not {said}.",
            "No, I think there's a mix-up: it's {right}, not {said}.",
        ),
        choose=("Oh, {option}, please!", "I'd love {option}, please."),
        prefer=(
            "The ${price} one, please: I always go for the {word} option.",
            "Let's do the ${price} one, I prefer the {word} option.",
        ),
        unknown=("Oh, I'm sorry, I really don't know that.", "Hmm, I honestly have no idea, sorry."),
        restate=("Well, like I was saying: {request}", "{request}"),
        more=("Yes, there's still this: {request}", "Yes, actually: {request}"),
        goodbye=("No, that's everything. Thank you so much, have a lovely day!", "No, that's all! You've been great."),
        transfer=("Okay, thank you for your help!", "Alright, thanks a lot!"),
        enough=("Thank you so much, that's all I needed!", "Great, thanks a bunch, that's everything."),
        leave=("Oh, I'm so sorry, I have to run now.",),
        device=(
            "Okay, I did that ({action}). Now my phone shows: {result}",
            "Alright, done ({action})! Here's what it says: {result}",
        ),
    ),
    Persona(
        name="formal",
        description="Formal and courteous: complete sentences, no slang.",
        greetings=("Good morning.", "Good afternoon.", "Hello."),
        manners=("I would like some assistance, please.", "I am contacting you about my account.", ""),
        sign_offs=(" Thank you for your assistance.", " Kind regards.", " I would be grateful for your help."),
        reveal=("Certainly. {Subject} is {value}.", "{Subject} is {value}.", "For your records, {subject} is {value}."),
        confirm=("Yes, please proceed.", "Yes, I confirm.", "Yes, you may go ahead."),
        right=("Yes, that is correct.", "Yes, that is right."),
        decline=("No, I did not request that. {request}", "No, thank you. {request}"),
        only=("No, I would only like this: {request}", "No, please limit it to this: {request}"),
        correct=(
            "No, that is not correct: it is {right}, not {said}.",
            "No, I am afraid that is wrong: it is {right}, not {said}.",
        ),
        choose=("{option}, please.", "I would like {option}, please."),
        prefer=(
            "The ${price} one, please: I prefer the {word} option.",
            "I would take the ${price} one, as I prefer the {word} option.",
        ),
        unknown=("I am sorry, I do not know that.", "I am afraid I do not have that information."),
        restate=("As I mentioned, {request}", "{request}"),
        more=("Yes, there is one more matter: {request}", "Yes: {request}"),
        goodbye=("No, that will be all. Thank you for your help.", "No, nothing else. Thank you, goodbye."),
        transfer=("Very well, thank you.", "Understood, thank you."),
        enough=("Thank you, that is all I needed.", "Thank you for the information."),
        leave=("I am afraid I must leave now.",),
        device=(
            "I have done that ({action}). My phone now shows: {result}",
            "I did as you asked ({action}). The phone displays: {result}",
        ),
    ),
    Persona(
        name="impatient",
        description="Impatient: in a hurry, short sentences, wants it done quickly.",
        greetings=("Hi.", "", "Look,"),
        manners=("I'm in a hurry.", "Quick one.", "This is urgent."),
        sign_offs=(" Please be quick.", " I don't have much time.", ""),
        reveal=("{Subject} is {value}. Can we move on?", "{value}. Please hurry.", "{Subject} is {value}."),
        confirm=("Yes, just do it.", "Yes, go ahead, quickly please.", "Yes. Go."),
        right=("Yes, that's right. Go on.", "Yes."),
        decline=("No, I didn't ask for that. {request}", "No! {request}"),
        only=("No, only this: {request}", "No, just do what I asked: {request}"),
        correct=("No, wrong: it's {right}, not {said}.", "No, it's {right}, not {said}. Please check."),
        choose=("{option}. Quickly, please.", "{option}."),
        prefer=("The ${price} one, I said the {word} option.", "${price} one, the {word} option. Go."),
        unknown=("I don't know that. Can we skip it?", "No idea."),
        restate=("I already said: {request}", "Again: {request}"),
        more=("Yes, you haven't done this yet: {request}", "Yes: {request}"),
        goodbye=("No, that's all. Bye.", "No. Finally done, thanks."),
        transfer=("Fine.", "Okay, whatever works."),
        enough=("Fine, that's all.", "Thanks, bye."),
        leave=("I don't have time for this. I have to go.",),
        device=("Done ({action}). It says: {result}", "Okay, did that ({action}). Now it shows: {result}"),
    ),
    Persona(
        name="unsure",
        description="Unsure: hesitant, not confident with the details, but gives them when asked.",
        greetings=("Hi, um,", "Hello, sorry to bother you.", "Hi."),
        manners=("I'm not sure who to ask about this.", "I hope this is the right place.", ""),
        sign_offs=(" Is that something you can do?", " Sorry if that's confusing.", ""),
        reveal=(
            "I think {subject} is {value}.",
            "Let me check... {subject} is {value}.",
            "Um, {subject} should be {value}.",
        ),
        confirm=("Yes, I think so. Please go ahead.", "Yes, that's what I want.", "Yes, please do."),
        right=("Yes, I believe that's right.", "Yes, that's right."),
        decline=("No, I don't think I want that. {request}", "No, sorry, that's not what I asked. {request}"),
        only=("No, I think just this: {request}", "No, only this, I believe: {request}"),
        correct=(
            "No, I don't think that's right: it's {right}, not {said}.",
            "No, sorry, I believe it's {right}, not {said}.",
        ),
        choose=("Um, {option}, I think.", "{option}, please, if that's possible."),
        prefer=(
            "The ${price} one, I guess: I'd prefer the {word} option.",
            "Maybe the ${price} one? I prefer the {word} option.",
        ),
        unknown=("Sorry, I don't think I know that.", "Hmm, I don't know that, sorry."),
        restate=("Sorry, I'll say it again: {request}", "{request}"),
        more=("Yes, I think there's still this: {request}", "Yes, sorry: {request}"),
        goodbye=("No, I think that's all. Thank you!", "No, that's everything, I think. Thanks!"),
        transfer=("Oh, okay. Thank you.", "Alright, thank you."),
        enough=("Oh, I see, thank you. That's all I needed.", "I see, thanks. That's all."),
        leave=("Sorry, I have to go now.",),
        device=(
            "Okay, I think I did that ({action}). My phone shows: {result}",
            "I tried it ({action}). It says: {result}",
        ),
    ),
)
PERSONAS = {p.name: p for p in (NEUTRAL, *STYLES)}
NAMES = tuple(p.name for p in STYLES)


def persona(name: str) -> Persona:
    """The persona of a scenario's ``style`` (the neutral one for ``""`` or an unknown name)."""
    return PERSONAS.get(name, NEUTRAL)


def pick_style(key: str) -> str:
    """A persona name drawn from ``key`` (stable across runs: string seeds hash with SHA-512)."""
    return random.Random(f"style:{key}").choice(NAMES)


def opening(templates: tuple[str, ...] | list[str], key: str, style: str = "", **fields) -> str:
    """An opening message: one of ``templates`` (drawn by ``key``) filled with ``fields``, with the
    persona's greeting, manner and sign-off. Templates whose fields are missing are skipped;
    without ``fields``, templates are taken as written (they may hold braces of their own)."""
    rng = random.Random(f"opening:{key}")
    usable = [t for t in templates if _fills(t, fields)] if fields else list(templates)
    body = rng.choice(usable).format(**fields) if fields else rng.choice(usable)
    p = persona(style)
    greeting, manner, sign_off = rng.choice(p.greetings), rng.choice(p.manners), rng.choice(p.sign_offs)
    parts = [part for part in (greeting, manner, body[:1].upper() + body[1:]) if part]
    if len(parts) > 1 and parts[0].endswith(",") and not re.match(r"I\b", parts[1]):
        parts[1] = parts[1][:1].lower() + parts[1][1:]  # "Look, this is urgent."
    return " ".join(parts) + sign_off


def _fills(template: str, fields: dict) -> bool:
    try:
        template.format(**fields)
    except (KeyError, IndexError):
        return False
    return True
