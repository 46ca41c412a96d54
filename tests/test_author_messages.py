"""Messages about authors, said once for many: on a community site some
authors use no Flattr, and authors come and go."""

import pelican.contents
import pytest
from conftest import article, build, manifest_things

WHY = (
    "not in FLATTR_AUTHORS, no 'flattr_owner' metadata, and FLATTR_USERNAME is not set"
)
NO_AUTHOR = "Title: Nobody's\nDate: 2024-03-01 10:00\n\nA post that names no author.\n"
NAMES_NO_AUTHOR = (
    "has no Flattr owner: it names no author, has no 'flattr_owner' metadata, and "
    "FLATTR_USERNAME is not set; to give it one, its author adds an Author: line "
    "to the file (for the site's operator to map in FLATTR_AUTHORS) or a "
    "Flattr_owner: line"
)


def _said(flattr_log, word: str) -> list[str]:
    return [r.getMessage() for r in flattr_log.records if word in r.getMessage()]


def test_content_without_an_owner_is_said_once_for_each_author(site, flattr_log):
    # Once a line per article, on every build: README calls such authors
    # normal, and a site with many buried every other warning.
    files = {f"a{n}.md": article(f"Ghostly {n}", "Ghost A") for n in range(1, 5)}
    files |= {
        "pages/about.md": article("About the ghost", "Ghost A"),
        "b1.md": article("Another ghost", "Ghost B"),
        "n.md": NO_AUTHOR,
        "alice.md": article("By Alice", "Alice"),
    }
    output = site(files, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_PAGES=True)
    assert set(manifest_things(output)) == {"alice.md"}
    assert _said(flattr_log, "no Flattr owner") == [
        "pelican-flattr: each of 4 articles and 1 page (a1.md, a2.md, a3.md and 2 "
        f"more) has no Flattr owner ('Ghost A': {WHY}); no Flattr button",
        f"pelican-flattr: b1.md has no Flattr owner ('Ghost B': {WHY}); no Flattr "
        "button",
        f"pelican-flattr: n.md {NAMES_NO_AUTHOR}; no Flattr button",
    ]


def test_content_of_many_authors_without_an_owner_is_one_line(site, flattr_log):
    files = {f"g1-{n}.md": article(f"Ghostly {n}", "Ghost 1") for n in range(1, 5)}
    files |= {f"g{n}.md": article(f"Ghost {n}'s", f"Ghost {n}") for n in range(2, 8)}
    files |= {"n.md": NO_AUTHOR, "alice.md": article("By Alice", "Alice")}
    # Two authors of one article, named as one entry of the others.
    files["co.md"] = article("Together", "Ghost 8").replace(
        "Author: Ghost 8", "Authors: Ghost 8, Ghost 9"
    )
    # A warning still, even in a strict build: nothing is published wrong.
    site(files, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_STRICT=True)
    assert _said(flattr_log, "no Flattr owner") == [
        "pelican-flattr: 12 articles by 9 authors or none have no Flattr owner "
        "(none of their authors in FLATTR_AUTHORS, no 'flattr_owner' metadata, "
        "and FLATTR_USERNAME is not set); no Flattr button: 'Ghost 1': 4 "
        "(g1-1.md, g1-2.md, g1-3.md and 1 more); 'Ghost 2': 1 (g2.md); "
        "'Ghost 3': 1 (g3.md); 'Ghost 4': 1 (g4.md); 'Ghost 5': 1 (g5.md); and "
        "4 articles by others: 'Ghost 6': 1, 'Ghost 7': 1, 'Ghost 8' and "
        "'Ghost 9': 1, no author: 1 (co.md, g6.md, g7.md and 1 more)"
    ]


@pytest.mark.parametrize(("ghosts", "lines"), [(5, 5), (6, 1)])
def test_up_to_five_authors_without_an_owner_get_a_line_each(
    site, flattr_log, ghosts, lines
):
    files = {f"g{n}.md": article(f"Ghost {n}'s", f"Ghost {n}") for n in range(ghosts)}
    files["alice.md"] = article("By Alice", "Alice")
    site(files, FLATTR_AUTHORS={"Alice": "alice"})
    assert len(_said(flattr_log, "no Flattr owner")) == lines


@pytest.mark.parametrize("settings", [{}, {"AUTHOR": ""}], ids=["none", "empty"])
def test_content_that_names_no_author_says_so(site, flattr_log, settings):
    # "(no author: not in FLATTR_AUTHORS, ...)", and "('': not in
    # FLATTR_AUTHORS, ...)" with AUTHOR = "", said neither what was missing
    # nor who could mend it.
    files = {"n.md": NO_AUTHOR, "m.md": NO_AUTHOR.replace("Nobody's", "Nobody else's")}
    site(files, FLATTR_AUTHORS={"Alice": "alice"}, **settings)
    assert _said(flattr_log, "no Flattr owner") == [
        f"pelican-flattr: each of 2 articles (m.md and n.md) {NAMES_NO_AUTHOR}; no "
        "Flattr button"
    ]


def test_an_author_close_to_a_key_is_asked_whether_it_meant_it(site, flattr_log):
    # "('Bob Bulder': not in FLATTR_AUTHORS, ...)" left the author to find
    # the slip in a mapping they may never see.
    files = {
        "a.md": article("By Bob, rightly", "Bob Builder"),
        "b.md": article("By Bob", "Bob Bulder"),
        "c.md": article("By C", "Cy"),
    }
    site(files, FLATTR_AUTHORS={"Bob Builder": "bob", "Alice": "alice"})
    assert _said(flattr_log, "no Flattr owner") == [
        f"pelican-flattr: b.md has no Flattr owner ('Bob Bulder': {WHY}); no "
        "Flattr button (did you mean 'Bob Builder'?); if so, correct the file's "
        "Author: line",
        f"pelican-flattr: c.md has no Flattr owner ('Cy': {WHY}); no Flattr button",
    ]
    # Among many authors without an owner too.
    files |= {f"g{n}.md": article(f"Ghost {n}'s", f"Ghost {n}") for n in range(5)}
    flattr_log.clear()
    site(files, FLATTR_AUTHORS={"Bob Builder": "bob", "Alice": "alice"})
    (said,) = _said(flattr_log, "no Flattr owner")
    assert "'Bob Bulder' (did you mean 'Bob Builder'?): 1 (b.md)" in said


def test_an_author_numbered_like_a_key_is_not_taken_for_its_misspelling(
    site, flattr_log
):
    # 'Author 14' has no key and 'Author 04' has one: the hint asked whether
    # the files meant 'Author 04', another person, and "correct the file's
    # Author: line" would have paid them for 'Author 14's work.
    files = {
        "a.md": article("By 04", "Author 04"),
        "b.md": article("By 14", "Author 14"),
        "c.md": article("By Bob", "Bob Bulder2"),
    }
    site(files, FLATTR_AUTHORS={"Author 04": "a04", "Bob Builder2": "bob"})
    assert _said(flattr_log, "no Flattr owner") == [
        f"pelican-flattr: b.md has no Flattr owner ('Author 14': {WHY}); no "
        "Flattr button",
        # The same number, a letter off: still asked.
        f"pelican-flattr: c.md has no Flattr owner ('Bob Bulder2': {WHY}); no "
        "Flattr button (did you mean 'Bob Builder2'?); FLATTR_AUTHORS['Bob "
        "Builder2'] names no author of this site: correct whichever of the two "
        "is misspelt, the key or the file's Author: line",
    ]


def test_an_author_close_to_a_key_left_to_flattr_username_is_asked_after_it(
    site, flattr_log
):
    # 'Jürgen Mueller' beside the key 'Jürgen Müller' gave the site owner
    # the author's things without a word; without FLATTR_USERNAME the same
    # file was asked "did you mean 'Jürgen Müller'?".
    files = {
        "buecher.md": article("Über Bücher", "Jürgen Müller"),
        "t-mueller.md": article("Test Mueller", "Jürgen Mueller"),
        "t-mueller2.md": article("Test Mueller again", "Jürgen Mueller"),
        "boehm.md": article("Test Boehm", "Joerg Boehm"),
        "kollwitz.md": article("Über Käthe", "Käthe Kollwitz"),
        "kaethe.md": article("Test Kaethe", "Kaethe Kollwitz"),
        # Far from every key: left to FLATTR_USERNAME, as a community site's
        # operator may leave most authors, without a word.
        "gast.md": article("Gastbeitrag", "Gast Autor"),
        "zweiter.md": article("Noch ein Gast", "Anna Schmidt"),
    }
    output = site(
        files,
        FLATTR_AUTHORS={
            "Jürgen Müller": "juergen_m",
            "Jörg Böhm": "joerg",
            "Käthe Kollwitz": "kaethe",
        },
        FLATTR_USERNAME="gemeinschaft",
    )
    things = manifest_things(output)
    owners = {source: thing["owner"]["value"] for source, thing in things.items()}
    assert owners["t-mueller.md"] == owners["gast.md"] == "gemeinschaft"
    assert _said(flattr_log, "to FLATTR_USERNAME") == [
        "pelican-flattr: author 'Jürgen Mueller' (in t-mueller.md and "
        "t-mueller2.md) is not in FLATTR_AUTHORS, so their things go to "
        "FLATTR_USERNAME 'gemeinschaft' (did you mean 'Jürgen Müller'?); if so, "
        "correct the files' Author: lines",
        "pelican-flattr: author 'Kaethe Kollwitz' (in kaethe.md) is not in "
        "FLATTR_AUTHORS, so their thing goes to FLATTR_USERNAME 'gemeinschaft' "
        "(did you mean 'Käthe Kollwitz'?); if so, correct the file's Author: "
        "line",
    ]
    # No line for the far-off guests, nor a line per article.
    assert not _said(flattr_log, "Gast Autor") and not _said(flattr_log, "Schmidt")
    # A key that names nobody is said on its own, asking after the author
    # its umlauts spelt out (ö as oe) make it close to.
    (key,) = _said(flattr_log, "FLATTR_AUTHORS['Jörg Böhm'] names no author")
    assert "(did you mean 'Joerg Boehm'?)" in key


@pytest.mark.parametrize(
    ("name", "other", "meant"),
    [
        ("Bob Bulder", "Bob Builder", True),
        ("Author 14", "Author 04", False),
        # A number is its value: the same one written otherwise is meant.
        ("Agent 7", "Agent 007", True),
        ("Bob\uff12", "Bob2", True),
        ("Membr 04", "Member 04", True),
        # Roman numerals and generations tell people apart as digits do.
        ("Louis XV", "Louis XIV", False),
        ("John Smith II", "John Smith III", False),
        ("John Smith Jr.", "John Smith Sr.", False),
        ("Jon Smith Jr.", "John Smith Jr.", True),
        ("John Smith Junior", "John Smith Jr.", True),
        # Words that read as Roman numerals but are names or initials.
        ("Lee Wei", "Li Wei", True),
        ("Xu Jinping", "Xi Jinping", True),
        ("Davide De Marco", "Davide Di Marco", True),
        ("Mia Rae Kimm", "Mi Rae Kim", True),
        ("John D. Smith", "John C. Smith", True),
        # German's umlauts and ß, spelt out (ue, oe, ae, ss), are meant.
        ("Joerg Boehm", "Jörg Böhm", True),
        ("Günther Öztürk", "Guenther Oeztuerk", True),
        ("Kaethe Maass", "Käthe Maaß", True),
        # A first letter misspelt, no word shared: found among many keys too.
        ("Kristina Olson", "Christina Olsen", True),
        ("Filipp Meier", "Philipp Meyer", True),
        ("Katarina", "Catarina", True),
        ("lice", "Alice", True),
        # Composed before or after the lower case, of other lengths.
        ("AAA", "A\u017f\u0301AAA", True),
        # A number longer than int() reads is compared by its digits.
        ("Bob " + "9" * 5000, "Bob " + "9" * 4999 + "8", False),
    ],
)
def test_a_name_is_meant_only_by_one_with_the_same_numbers(name, other, meant):
    from pelican_flattr.author_keys import key_index, key_meant_in
    from pelican_flattr.settings import closest_name

    assert closest_name(name, {other.casefold(): other}) == (other if meant else None)
    # Found as well among many keys, which a bound of the likeness passes
    # over without comparing each in full.
    keys = {other.casefold(): other, "zora quist": "Zora Quist"}
    assert key_meant_in(name, key_index(keys))[1] == (other if meant else "")


def test_a_name_close_to_a_key_that_names_nobody_says_either_may_be_misspelt(
    site, flattr_log
):
    # Three articles by "Alice Andersson" and the key "Alice Anderson": the
    # ownerless warning told the operator to correct the files, while the
    # key's own warning said to check the key's spelling: either may be the
    # slip.
    files = {f"a{n}.md": article(f"Alice's {n}", "Alice Andersson") for n in range(3)}
    site(files, FLATTR_AUTHORS={"Alice Anderson": "alice"})
    (said,) = _said(flattr_log, "no Flattr owner")
    assert said.endswith(
        "no Flattr button (did you mean 'Alice Anderson'?); FLATTR_AUTHORS['Alice "
        "Anderson'] names no author of this site: correct whichever of the two is "
        "misspelt, the key or the files' Author: lines"
    )
    (key,) = [
        line
        for line in _said(flattr_log, "FLATTR_AUTHORS['Alice Anderson'] names no")
        if "has no Flattr owner" not in line
    ]
    assert "did you mean 'Alice Andersson'?" in key


def _leavers():
    """Content of Alice, two authors who will be renamed, and eleven who
    will leave, the first with two articles."""
    files = {
        "alice.md": article("By Alice", "Alice", slug="alice"),
        "bob.md": article("By Bob", "Bob Builder", slug="bob"),
        "carol.md": article("By Carol", "Carol", slug="carol"),
        "l01-extra.md": article("Leaving, too", "Leaver 01", slug="l01-extra"),
    }
    for n in range(1, 12):
        files[f"l{n:02}.md"] = article(f"Leaving {n}", f"Leaver {n:02}", slug=f"l{n}")
    authors = {
        "Alice": "alice",
        "Bob Builder": "bob",
        "Carol": "twitter:user:id:7",
        **{f"Leaver {n:02}": f"leaver{n}" for n in range(1, 12)},
        # No article of its own: its owner's is Leaver 11's.
        "Leaver 12": "leaver11",
    }
    return files, authors


def test_keys_whose_authors_left_are_one_warning_for_each_kind(tmp_path, flattr_log):
    # One warning per key, on every build until the keys are taken out.
    files, authors = _leavers()
    build(tmp_path, files, FLATTR_AUTHORS=authors)
    for name in files:
        if name.startswith("l"):
            (tmp_path / "content" / name).unlink()
    renamed = {
        "bob.md": files["bob.md"].replace("Bob Builder", "Robert Builder"),
        "carol.md": files["carol.md"].replace("Carol", "Caroline"),
    }
    flattr_log.clear()
    build(tmp_path, renamed, FLATTR_AUTHORS={**authors, "Alcie": "alice"})
    leavers = ", ".join(f"FLATTR_AUTHORS['Leaver {n:02}'] (1)" for n in range(2, 11))
    # Caroline's article, without an owner, is asked after the key 'Carol',
    # which names nobody now: to be mended, as the warning below says too.
    ownerless = _said(flattr_log, "has no Flattr owner")
    assert any(
        line.endswith(
            "(did you mean 'Carol'?); FLATTR_AUTHORS['Carol'] names no author of "
            "this site: correct whichever of the two is misspelt, the key or the "
            "file's Author: line"
        )
        for line in ownerless
    )
    keys = [m for m in _said(flattr_log, "FLATTR_AUTHORS[") if m not in ownerless]
    assert keys == [
        # A typo, with its owner's content still here: an error when strict.
        "pelican-flattr: FLATTR_AUTHORS['Alcie'] names no author of this site "
        "(by name or slug); check its spelling, or remove it if the author "
        "has no content left",
        # The renamed, whose keys must be renamed, not taken out.
        "pelican-flattr: 2 FLATTR_AUTHORS keys name no author of this site any "
        "more, but the last build the URL guard recorded gave their owners 2 things "
        "whose source files "
        "this build still read, without a thing: FLATTR_AUTHORS['Bob Builder'] "
        "(1, now by 'Robert Builder') and FLATTR_AUTHORS['Carol'] (1, now by "
        "'Caroline'); if the authors were renamed, or the keys misspelt since, "
        "make the keys match",
        # Leaver 11's thing counted once, though two keys give its owner.
        "pelican-flattr: 12 FLATTR_AUTHORS keys name no author of this site any "
        "more: the last build the URL guard recorded gave their owners 12 things that "
        "this build lacks "
        "(deleted, or failed to read): FLATTR_AUTHORS['Leaver 01'] (2), "
        f"{leavers} and 2 more; remove the keys once the authors' content is "
        "deleted permanently",
    ]


@pytest.mark.parametrize("username", [None, "siteowner"])
def test_a_key_whose_owner_is_an_authors_name_says_that_author(
    site, flattr_log, username
):
    # Files that say "Author: alice" beside {"Alice Andersson": "alice"}
    # went to FLATTR_USERNAME (or to no owner), and the warning about the
    # key could not say which author it meant.
    files = {f"a{n}.md": article(f"Post {n}", "alice") for n in range(3)}
    settings = {"FLATTR_USERNAME": username} if username else {}
    output = site(files, FLATTR_AUTHORS={"Alice Andersson": "alice"}, **settings)
    owners = {thing["owner"]["value"] for thing in manifest_things(output).values()}
    assert owners == ({username} if username else set())
    assert _said(flattr_log, "FLATTR_AUTHORS[") == [
        "pelican-flattr: FLATTR_AUTHORS['Alice Andersson'] names no author of "
        "this site (by name or slug); check its spelling (did you mean 'alice', "
        "the author named as its owner?), or remove it if the author has no "
        "content left"
    ]


GIVE_ONE = (
    "a Flattr username, twitter:user:id:NUMBER, email:ADDRESS, email:MD5HEX or "
    "partner:NAMESPACE:ID"
)
WRONG_OWNERS = {
    # A handle is no address: shown, with where the numeric id is found.
    "twitter:@bobbuilder": "'twitter:@bobbuilder' is a Twitter handle, but Flattr "
    "needs the numeric account id: write twitter:user:id:NUMBER (a Twitter ID "
    "lookup gives it for the handle bobbuilder)",
    "twitter:user:id:@bob": "'twitter:user:id:@bob' is a Twitter handle, but "
    "Flattr needs the numeric account id: write twitter:user:id:NUMBER "
    "(a Twitter ID lookup gives it for the handle bob)",
    "twitter:783214": "'twitter:783214' is a Twitter id in a form Flattr does not "
    "read: write twitter:user:id:783214",
    "twitter:user:id:00783214": "'twitter:user:id:00783214' writes the Twitter "
    "id with leading zeros, which no account's id has (Flattr matches an owner "
    "as written): write twitter:user:id:783214",
    "https://flattr.com/profile/alice_flattrs": "'https://flattr.com/profile/"
    "alice_flattrs' is a Flattr profile's address: write the username alone: "
    "alice_flattrs",
    # A profile's address, its "@" in the path: no address either. The
    # build said "looks like a plain email address; write it as
    # email:ADDRESS", which would hash a web address into an owner.
    "mastodon.social/@bob": "'mastodon.social/@bob' is a web address, not an "
    f"owner: write {GIVE_ONE}",
    "https://medium.com/@bob": "'https://medium.com/@bob' is a web address, not "
    f"an owner: write {GIVE_ONE}",
    "http://flattr.com/thing/123": "'http://flattr.com/thing/123' is a web "
    f"address, not an owner: write {GIVE_ONE}",
    "Alice Andersson": "'Alice Andersson' looks like a person's name, not an "
    "owner: write their Flattr username or owner identifier (or remove the "
    "line, for the owner FLATTR_AUTHORS gives the article's author)",
    "partner:hackspace:77, partner:hackspace:78": "'partner:hackspace:77, "
    "partner:hackspace:78' names more than one owner, but a thing has one: keep "
    "one",
    '"partner:hackspace:77"': "'\"partner:hackspace:77\"' is in quotes, which "
    "would be part of the owner: write it without them",
}


def test_an_authors_common_wrong_owners_are_told_what_to_write(site, flattr_log):
    # Each message shows what the author wrote, as none can hold an address,
    # and says what to write instead.
    files = {
        f"w{n}.md": article(f"Wrong owner {n}", "Alice", Flattr_owner=value)
        for n, value in enumerate(WRONG_OWNERS)
    }
    files["hidden.md"] = article(
        "Owner with an address", "Alice", Flattr_owner="twitter:bob@example.org"
    )
    files["twice.md"] = article(
        "Owner given twice", "Alice", Flattr_owner="alice_flattrs"
    ).replace("Flattr_owner: alice_flattrs\n", "Flattr_owner: a\nFlattr_owner: b\n")
    output = site(files, FLATTR_AUTHORS={"Alice": "alice"})
    assert manifest_things(output) == {}
    said = dict(
        r.getMessage().removeprefix("pelican-flattr: ").split(": ", 1)
        for r in flattr_log.records
        if r.levelname == "ERROR"
    )
    assert said == {
        **{
            f"w{n}.md": f"metadata 'flattr_owner' {message}; it gets no Flattr button"
            for n, message in enumerate(WRONG_OWNERS.values())
        },
        # Still hidden: it may be an address.
        "hidden.md": "metadata 'flattr_owner' 'twitter:[address hidden]' is not a "
        "twitter identifier: write twitter:user:id:NUMBER with the numeric account "
        "id, not the handle; it gets no Flattr button",
        "twice.md": "metadata 'flattr_owner' must be a single value, but is given "
        "more than once: keep one; it gets no Flattr button",
    }


def test_an_operators_wrong_owners_are_told_what_to_write(site, flattr_log):
    # FLATTR_AUTHORS entries are read by the same rules: what their errors
    # say reads right for the settings too.
    authors = {
        "Bob": "twitter:@bobbuilder",
        "Ann": "Ann Andersson",
        # Published as written, an owner nobody could claim.
        "Bob Builder": "twitter:user:id:00783214",
    }
    output = site(
        {"a.md": article("By Ann", "Ann"), "b.md": article("By Bob", "Bob Builder")},
        FLATTR_AUTHORS=authors,
    )
    assert _said(flattr_log, "settings: ") == [
        "pelican-flattr: settings: FLATTR_AUTHORS['Bob'] "
        + WRONG_OWNERS["twitter:@bobbuilder"],
        "pelican-flattr: settings: FLATTR_AUTHORS['Ann'] 'Ann Andersson' looks "
        "like a person's name, not an owner: write their Flattr username or owner "
        "identifier",
        "pelican-flattr: settings: FLATTR_AUTHORS['Bob Builder'] "
        + WRONG_OWNERS["twitter:user:id:00783214"],
    ]
    assert manifest_things(output) == {}
    assert not [page for page in output.rglob("*.html") if "00783" in page.read_text()]


# --- Fields read as text: what counts, and what is the author's text. ---

HEAD = "Title: {title}\nDate: 2024-03-01 10:00\nAuthor: Alice\n"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("m.md", HEAD + "\n```text\nFlattr_owner: alice\nFlattr: yes\n```\n\nBody.\n"),
        ("m.md", HEAD + "\n    Flattr_owner: alice\n    Flattr: yes\n\nBody.\n"),
        ("m.md", HEAD + "\n> Flattr_owner: alice\n\nBody.\n"),
        (
            "r.rst",
            "R\n#\n\n:date: 2024-03-01\n:author: Alice\n\n::\n\n"
            "    :flattr_owner: alice\n\nBody.\n",
        ),
        ("m.md", HEAD + "\nFlattr_owner: names the owner.\nWrite it in the header.\n"),
    ],
    ids=["fence", "indented-code", "quotation", "rst-literal-block", "prose"],
)
def test_a_header_shown_as_an_example_is_the_author_s_text(
    site, flattr_log, name, text
):
    # An article about the plugin's fields that opens with an example header
    # failed a strict build: "the text starts with a Flattr_owner line",
    # though a code block or a quotation shows it on purpose.
    files = {name: text.format(title="How to write a header")}
    site(files, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_STRICT=True)
    assert _said(flattr_log, "as text") == []


def test_fields_read_as_text_are_found_past_a_first_paragraph_of_fields(
    site, flattr_log
):
    # Two blank lines in a header: each paragraph of fields is the header's.
    text = HEAD + "\nTags: soldering\n\nFlattr_owner: partner:hackspace:77\n\nBody.\n"
    site({"m.md": text.format(title="Stray")}, FLATTR_AUTHORS={"Alice": "alice"})
    assert _said(flattr_log, "as text") == [
        "pelican-flattr: m.md: the text starts with a Flattr_owner line, which "
        "Pelican read as text, not as a field: put it in the header, with no "
        "blank line before it"
    ]


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("Flattr_owner: partner:hackspace:77\nThe text starts here.\n", ["owner"]),
        (
            "Flattr_owner: email:carol@example.org\nFlattr: no\nThe text.\n",
            ["owner", ""],
        ),
        # A field after the first line of text is the text's.
        ("The text starts here.\nFlattr_owner: partner:hackspace:77\n", []),
        ("Flattr_tags: solder, tools\nThe text starts here.\n", []),
        # Prose that opens with a name like a field's: no field of the
        # plugin's, or its bare opt-out.
        ("Flattr_clicks: 1200\nthat is what we got last year.\n", []),
        ("Flattr-Meetup: Berlin\nCome along to our monthly meetup.\n", []),
        ("Flattr: yes\nwe are back on it.\n", []),
    ],
    ids=[
        "owner",
        "owner-address-and-opt-out",
        "after-text",
        "value-of-words",
        "unknown-name",
        "hyphened-name",
        "bare-opt-out",
    ],
)
def test_fields_that_open_a_paragraph_of_text_are_read_as_text(
    site, flattr_log, text, fields
):
    # Markdown joins a field written after the header's blank line with the
    # text's first line: the field was dropped without a word, the article
    # paid its author's owner and the line opened its description.
    site(
        {"m.md": HEAD.format(title="Stray") + "\n" + text},
        FLATTR_AUTHORS={"Alice": "alice"},
    )
    said = _said(flattr_log, "as text")
    assert said == [
        f"pelican-flattr: m.md: the text starts with a Flattr{'_' if field else ''}"
        f"{field} line, which Pelican read as text, not as a field: put it in the "
        "header, with no blank line before it"
        for field in fields
    ]
    assert not [line for line in flattr_log.text if "carol@" in line]


def test_a_field_read_as_text_in_an_html_file_is_told_the_meta_tag(site, flattr_log):
    # Told "put it in the header": an HTML file's fields are <meta> tags.
    page = (
        "<html><head><title>Stray</title>"
        '<meta name="date" content="2024-03-01 10:00">'
        '<meta name="author" content="Alice"></head>'
        "<body><p>Flattr_owner: partner:hackspace:77</p><p>Body.</p></body></html>"
    )
    site({"h.html": page}, FLATTR_AUTHORS={"Alice": "alice"})
    assert _said(flattr_log, "as text") == [
        "pelican-flattr: h.html: the text starts with a Flattr_owner line, which "
        "Pelican read as text, not as a field: write it as "
        '<meta name="flattr_owner" content="..."> in the head'
    ]


def test_authors_left_to_the_username_are_said_only_for_slips_and_few_at_a_time(
    site, flattr_log
):
    # On a site of hundreds of authors, most left to FLATTR_USERNAME, a
    # shared surname ("Frank Garcia" beside the key "Vera Garcia") earned a
    # "did you mean" line each: 150 of a build's 156 lines.
    keys = {f"Vera Garcia{n}": f"vera{n}" for n in range(8)}
    files = {}
    for n in range(8):
        # A slip of one letter: said, five by name, the rest in one line.
        files[f"slip{n}.md"] = article(f"Slip {n}", f"Vera Garcai{n}")
        # Another person who shares the surname: not said.
        files[f"frank{n}.md"] = article(f"Frank {n}", f"Frank Garcia{n}")
        files[f"vera{n}.md"] = article(f"Vera {n}", f"Vera Garcia{n}")
    site(files, FLATTR_AUTHORS=keys, FLATTR_USERNAME="community")
    said = _said(flattr_log, "FLATTR_USERNAME 'community'")
    assert not [line for line in said if "Frank" in line], said
    assert len(said) == 6, said
    assert said[-1].startswith(
        "pelican-flattr: and 3 more authors whose names are close to a "
        "FLATTR_AUTHORS key are not in it, so their things go to FLATTR_USERNAME "
        "'community': 'Vera Garcai"
    ), said[-1]


@pytest.mark.parametrize(
    ("name", "key", "slip"),
    [
        # A key written as the author's slug, as FLATTR_AUTHORS allows.
        ("Jürgen Mueller", "jurgen-muller", True),
        ("Bob Biulder", "bob-builder", True),
        # Accents left out, or a letter typed without its mark.
        ("Zoe Berenice", "Zoë Bérénice", True),
        ("Lukasz Walesa", "Łukasz Wałęsa", True),
        ("Jose Garcia Nunez", "José García Núñez", True),
        ("Frank Garcia", "Vera Garcia", False),
        ("Mona Łukasik", "Åsa Łukasik", False),
    ],
)
def test_a_slip_is_told_from_another_person(name, key, slip):
    from pelican_flattr.settings import looks_misspelt

    assert looks_misspelt(name, key) is slip


def test_one_author_past_the_five_named_is_said_in_the_singular(site, flattr_log):
    keys = {f"Vera Garcia{n}": f"vera{n}" for n in range(6)}
    files = {}
    for n in range(6):
        files[f"slip{n}.md"] = article(f"Slip {n}", f"Vera Garcai{n}")
        files[f"vera{n}.md"] = article(f"Vera {n}", f"Vera Garcia{n}")
    site(files, FLATTR_AUTHORS=keys, FLATTR_USERNAME="community")
    (last,) = _said(flattr_log, "and 1 more")
    assert last.startswith(
        "pelican-flattr: and 1 more author whose name is close to a FLATTR_AUTHORS "
        "key is not in it, so their things go to FLATTR_USERNAME 'community': "
    ), last


def test_authors_whose_names_slugify_to_nothing_are_told_apart(site, flattr_log):
    # Tifinagh and Adlam letters have no ASCII slug: both names slugify to
    # "", and the one author without a key took the other's owner unsaid.
    output = site(
        {
            "a.md": article("Tamazight", "ⵜⴰⵎⴰⵣⵉⵖⵜ"),
            "b.md": article("Adlam", "𞤀𞤣𞤤𞤢𞤥 𞤄𞤢𞤪𞤪𞤭"),
        },
        FLATTR_AUTHORS={"ⵜⴰⵎⴰⵣⵉⵖⵜ": "amazigh_writer"},
        FLATTR_USERNAME="site_owner",
    )
    owners = {s: t["owner"]["value"] for s, t in manifest_things(output).items()}
    assert owners == {"a.md": "amazigh_writer", "b.md": "site_owner"}, owners
    assert not _said(flattr_log, "FLATTR_AUTHORS")
    # A key whose author is gone is said, whatever author slugifies to "".
    flattr_log.clear()
    output = site(
        {"b.md": article("Adlam", "𞤀𞤣𞤤𞤢𞤥 𞤄𞤢𞤪𞤪𞤭")},
        FLATTR_AUTHORS={"ⵜⴰⵎⴰⵣⵉⵖⵜ": "amazigh_writer"},
        FLATTR_USERNAME="site_owner",
    )
    assert manifest_things(output)["b.md"]["owner"]["value"] == "site_owner"
    said = _said(flattr_log, "FLATTR_AUTHORS['ⵜⴰⵎⴰⵣⵉⵖⵜ'] names no author")
    assert len(said) == 1, flattr_log.text


SKIPPED_BY_ZED = article("Not yet", "Zed Zero", status="skip")


@pytest.mark.skipif(
    not hasattr(pelican.contents, "SkipStub"),
    reason="Pelican before 4.11 has no 'Status: skip'",
)
@pytest.mark.parametrize(
    ("skipped", "settings"),
    [
        ({"e.md": SKIPPED_BY_ZED}, {}),
        ({"pages/e.md": SKIPPED_BY_ZED}, {}),
        # Its authors as Pelican gives them: all of an 'Authors:' line.
        (
            {
                "e.md": article(
                    "Not yet", status="skip", authors="Bob Builder, Zed Zero"
                )
            },
            {},
        ),
        # No 'Author:' line: the AUTHOR setting's, as for any content.
        (
            {"e.md": article("Not yet", status="skip").replace("Author: Alice\n", "")},
            {"AUTHOR": "Zed Zero"},
        ),
    ],
    ids=["article", "page", "authors", "setting"],
)
def test_an_author_whose_files_are_all_skipped_is_no_misspelt_key(
    tmp_path, flattr_log, skipped, settings
):
    # Pelican (4.11 and later) makes no content of a file with 'Status:
    # skip', so no generator lists it: its author's key was called
    # misspelt, which failed a strict build, where a draft's author counts.
    files = {"b.md": article("By Bob", "Bob Builder"), **skipped}
    settings = {
        **settings,
        "FLATTR_AUTHORS": {"Bob Builder": "bob_f", "Zed Zero": "zed_f"},
        "FLATTR_STRICT": True,
    }
    output = build(tmp_path, files, **settings)
    assert set(manifest_things(output)) == {"b.md"}
    assert _said(flattr_log, "FLATTR_AUTHORS") == []
    # Pelican caches no skipped file: a build that loads its content cache
    # reads it again, and knows its author too.
    cached = {"CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": True}
    build(tmp_path, files, **settings, **cached)
    build(tmp_path, files, **settings, **cached)
    assert _said(flattr_log, "FLATTR_AUTHORS") == []
