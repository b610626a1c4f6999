"""Tests for cfaction.credentials: cleaning pasted secrets and explaining credential mix-ups."""

from __future__ import annotations

import pytest

from cfaction import main
from cfaction.credentials import (
    MAX_TOKEN_CHARS,
    MIN_TOKEN_CHARS,
    Credentials,
    looks_like_global_key,
    looks_like_token,
    parse_credentials,
    secret_values,
)
from cfaction.errors import InputError
from cfaction.ops.worker import secrets as worker_secrets
from cfaction.problems import InputWarning
from tests.helpers import OLD_STYLE_TOKEN as TOKEN

NEW_TOKEN = "cfut_" + "x" * 35
ACCOUNT_TOKEN = "cfat_" + "y" * 35
GLOBAL_KEY = "0123456789abcdef0123456789abcdef01234"  # 37 lowercase hex
NEW_GLOBAL_KEY = "cfk_" + "z" * 36
EMAIL = "ops@example.com"


def parse_error(**raw: str) -> InputError:
    with pytest.raises(InputError) as excinfo:
        parse_credentials(raw)
    return excinfo.value


# token mode


LONGEST_TOKEN = "cfut_" + "Ab0-._~+/" * 112 + "x" * 9 + "=="  # 1,024 characters, every RFC 6750 one


@pytest.mark.parametrize("token", [TOKEN, NEW_TOKEN, ACCOUNT_TOKEN, "x" * 40, LONGEST_TOKEN])
def test_a_token_gives_token_mode_without_warnings(token: str) -> None:
    credentials, warnings = parse_credentials({"api_token": token})

    assert credentials.mode == "token"
    assert credentials.token == token
    assert warnings == []


@pytest.mark.parametrize(
    "pasted", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"BEARER   {TOKEN}", f"  Bearer\t{TOKEN}\n"]
)
def test_a_bearer_prefix_is_stripped_with_a_warning(pasted: str) -> None:
    credentials, warnings = parse_credentials({"api_token": pasted})

    assert credentials.token == TOKEN
    assert len(warnings) == 1
    assert warnings[0].input_name == "api_token"
    assert "starts with 'Bearer '; the prefix was removed" in warnings[0].message


@pytest.mark.parametrize("quote", ['"', "'", "`"])
def test_quotes_around_the_token_are_stripped_with_a_warning(quote: str) -> None:
    credentials, warnings = parse_credentials({"api_token": f"{quote}{TOKEN}{quote}"})

    assert credentials.token == TOKEN
    assert warnings == [
        InputWarning(
            "api_token", "was wrapped in quotes; they were removed. Store the value without quotes."
        )
    ]


def test_a_quoted_bearer_token_gets_both_fixes_and_both_warnings() -> None:
    credentials, warnings = parse_credentials({"api_token": f'"Bearer {TOKEN}"'})

    assert credentials.token == TOKEN
    assert [w.input_name for w in warnings] == ["api_token", "api_token"]


def test_surrounding_whitespace_and_newlines_are_trimmed_silently() -> None:
    credentials, warnings = parse_credentials({"api_token": f"\n  {TOKEN} \r\n"})

    assert credentials.token == TOKEN
    assert warnings == []


@pytest.mark.parametrize(("pasted", "position"), [("abcd efgh", 5), ("ab\tcd", 3)])
def test_a_space_or_newline_inside_the_token_is_rejected_naming_api_token(
    pasted: str, position: int
) -> None:
    error = parse_error(api_token=pasted)

    assert error.input_name == "api_token"
    assert f"contains a space or line break at character {position}" in error.message
    assert error.fix == "Copy the value again as a single line."


@pytest.mark.parametrize(
    ("token", "count"), [("x" * 39, "39"), ("cfut_" + "x" * 20, "25"), (TOKEN[:-1], "39")]
)
def test_a_token_shorter_than_any_cloudflare_issues_is_refused_as_cut_short(
    token: str, count: str
) -> None:
    error = parse_error(api_token=token)

    assert error.input_name == "api_token"
    assert error.message.startswith(f"api_token: has {count} characters;")
    assert f"at least {MIN_TOKEN_CHARS}" in error.message
    assert "so part of it is missing" in error.message
    assert "Copy the whole token again" in error.fix
    assert token not in str(error)


def test_a_token_longer_than_any_format_is_refused_without_quoting_it() -> None:
    token = "A" * 120_000  # a pasted file: it would come back from the API as an HTML 431

    error = parse_error(api_token=token)

    assert error.input_name == "api_token"
    assert error.message.startswith("api_token: has 120,000 characters;")
    assert f"at most {MAX_TOKEN_CHARS:,} are read" in error.message
    assert "Store only the token itself" in error.fix
    assert len(str(error)) < 400


def test_the_longest_token_allowed_is_max_token_chars() -> None:
    assert len(LONGEST_TOKEN) == MAX_TOKEN_CHARS
    assert parse_error(api_token=LONGEST_TOKEN + "x").input_name == "api_token"


@pytest.mark.parametrize(
    ("token", "char", "position"),
    [
        (TOKEN[:20] + "%" + TOKEN[21:], "%", 21),
        (TOKEN[:10] + "=" + TOKEN[11:], "=", 11),  # = only pads the end
        (TOKEN + ",", ",", 41),
        (TOKEN[:5] + '"' + TOKEN[6:], '"', 6),
    ],
)
def test_a_character_no_bearer_token_has_is_refused_with_its_position(
    token: str, char: str, position: int
) -> None:
    error = parse_error(api_token=token)

    assert error.input_name == "api_token"
    assert f"contains '{char}' at position {position}, which no API token has" in error.message
    assert "Copy the token again" in error.fix


@pytest.mark.parametrize(
    "pasted",
    [
        f'"Bearer {TOKEN}"\n# the deploy token',
        f"{TOKEN}\n{TOKEN}",
        f"{TOKEN}\r\nsecond line",
        "abcd\nefgh",
    ],
)
def test_a_multi_line_token_paste_is_refused_without_quoting_a_line(pasted: str) -> None:
    error = parse_error(api_token=pasted)

    assert error.input_name == "api_token"
    assert error.problem == (
        "has 2 lines; a credential is one line (a pasted note or file, or a line-wrapped copy?)."
    )
    assert error.fix == "Store only the value itself in the secret, on one line."
    for line in pasted.splitlines():
        assert line.strip() not in str(error)


@pytest.mark.parametrize("name", ["global_key", "email"])
def test_a_multi_line_global_key_or_email_is_refused_too(name: str) -> None:
    raw = {"email": EMAIL, "global_key": GLOBAL_KEY, name: "first-line\nsecond-line"}

    error = parse_error(**raw)

    assert error.input_name == name
    assert "has 2 lines" in error.message


def test_every_line_of_a_multi_line_bearer_paste_is_masked_bare_token_included() -> None:
    pasted = f'"Bearer {TOKEN}"\n# the deploy token'

    values = secret_values({"api_token": pasted})

    assert TOKEN in values
    assert f'"Bearer {TOKEN}"' in values
    assert "# the deploy token" in values


def test_a_non_ascii_character_in_the_token_is_rejected_with_its_code_point() -> None:
    error = parse_error(api_token="Abcdefghij…")

    assert error.input_name == "api_token"
    assert "contains the character U+2026 at position 11" in error.message
    assert "cannot be sent in an HTTP header" in error.message
    assert "Copy the full value again" in error.fix


@pytest.mark.parametrize("key", [GLOBAL_KEY, "a" * 45, NEW_GLOBAL_KEY])
def test_a_global_key_given_as_api_token_points_to_global_key(key: str) -> None:
    error = parse_error(api_token=key)

    assert error.input_name == "api_token"
    assert "looks like a Global API Key" in error.message
    assert "Move it to global_key, together with email" in error.fix


def test_a_global_key_as_api_token_with_email_set_says_email_is_already_set() -> None:
    error = parse_error(api_token=GLOBAL_KEY, email=EMAIL)

    assert error.input_name == "api_token"
    assert "Move it to global_key (email is already set)" in error.fix


def test_an_email_next_to_a_token_is_ignored_with_a_warning() -> None:
    credentials, warnings = parse_credentials({"api_token": TOKEN, "email": EMAIL})

    assert credentials == Credentials(mode="token", token=TOKEN)
    assert credentials.email == ""
    assert len(warnings) == 1
    assert warnings[0].input_name == "email"
    assert "is ignored: api_token is used" in warnings[0].message


# Global API Key mode


def test_email_and_global_key_give_global_key_mode() -> None:
    credentials, warnings = parse_credentials({"email": f" {EMAIL} ", "global_key": GLOBAL_KEY})

    assert credentials == Credentials(mode="global_key", email=EMAIL, key=GLOBAL_KEY)
    assert warnings == []


@pytest.mark.parametrize("token", [NEW_TOKEN, ACCOUNT_TOKEN, TOKEN])
def test_a_token_given_as_global_key_points_to_api_token(token: str) -> None:
    error = parse_error(email=EMAIL, global_key=token)

    assert error.input_name == "global_key"
    assert "looks like an API token, not a Global API Key" in error.message
    assert error.fix == "Put it in api_token and remove email and global_key."


def test_a_bearer_token_given_as_global_key_points_to_api_token() -> None:
    error = parse_error(email=EMAIL, global_key=f"Bearer {TOKEN}")

    assert error.input_name == "global_key"
    assert "starts with 'Bearer '" in error.message
    assert "in api_token" in error.fix


def test_an_email_without_a_key_asks_for_global_key_or_a_token() -> None:
    error = parse_error(email=EMAIL)

    assert error.input_name == "global_key"
    assert "is empty but email is set" in error.message
    assert "set api_token and remove email" in error.fix


def test_a_key_without_an_email_asks_for_the_email() -> None:
    error = parse_error(global_key=GLOBAL_KEY)

    assert error.input_name == "email"
    assert "is empty; a Global API Key only works together with the email" in error.message
    assert "Set email" in error.fix


def test_a_token_and_a_global_key_together_are_rejected() -> None:
    error = parse_error(api_token=TOKEN, email=EMAIL, global_key=GLOBAL_KEY)

    assert error.input_name == "api_token"
    assert "is set together with global_key" in error.message
    assert "Keep api_token" in error.fix


def test_no_credentials_at_all_names_api_token_and_what_to_write() -> None:
    error = parse_error(api_token="  ", email="", global_key="")

    assert error.input_name == "api_token"
    assert error.message.startswith("api_token: no credentials were given.")
    assert "set api_token to an API token" in error.fix
    assert "CLOUDFLARE_API_TOKEN" in error.fix
    assert error.title == "Input api_token"


@pytest.mark.parametrize("email", ["ops", "ops@example", "ops@@example.com", "@example.com"])
def test_an_invalid_email_is_rejected(email: str) -> None:
    error = parse_error(email=email, global_key=GLOBAL_KEY)

    assert error.input_name == "email"
    assert "is not an email address" in error.message
    assert "e.g. ops@example.com" in error.fix


def test_an_email_with_an_inner_space_is_rejected_as_unsendable() -> None:
    error = parse_error(email="ops @example.com", global_key=GLOBAL_KEY)

    assert error.input_name == "email"
    assert "contains a space or line break at character 4" in error.message


def test_a_global_key_with_a_non_ascii_character_is_rejected_naming_global_key() -> None:
    error = parse_error(email=EMAIL, global_key=GLOBAL_KEY[:10] + "…")

    assert error.input_name == "global_key"
    assert "U+2026" in error.message


# headers, repr, describe


def test_token_headers_use_bearer() -> None:
    assert Credentials(mode="token", token=TOKEN).headers() == {"Authorization": f"Bearer {TOKEN}"}


def test_global_key_headers_use_x_auth_email_and_key() -> None:
    credentials = Credentials(mode="global_key", email=EMAIL, key=GLOBAL_KEY)

    assert credentials.headers() == {"X-Auth-Email": EMAIL, "X-Auth-Key": GLOBAL_KEY}


@pytest.mark.parametrize(
    ("credentials", "secrets"),
    [
        (Credentials(mode="token", token=TOKEN), [TOKEN]),
        (Credentials(mode="global_key", email=EMAIL, key=GLOBAL_KEY), [GLOBAL_KEY, EMAIL]),
    ],
)
def test_repr_and_str_never_show_the_secret(credentials: Credentials, secrets: list[str]) -> None:
    for text in (repr(credentials), str(credentials), f"{credentials!r}"):
        assert text == f"Credentials(mode={credentials.mode!r})"
        for secret in secrets:
            assert secret not in text


def test_describe_names_the_mode_in_plain_words() -> None:
    assert Credentials(mode="token", token=TOKEN).describe() == "API token"
    assert (
        Credentials(mode="global_key", email=EMAIL, key=GLOBAL_KEY).describe()
        == "email + Global API Key"
    )


# secret_values


def test_secret_values_cover_raw_trimmed_unquoted_and_bearer_stripped_forms() -> None:
    raw = f'  "Bearer {TOKEN}"\n'

    values = secret_values({"api_token": raw})

    assert raw in values
    assert f'"Bearer {TOKEN}"' in values
    assert f"Bearer {TOKEN}" in values
    assert TOKEN in values


def test_secret_values_include_each_line_of_a_multi_line_paste() -> None:
    first, second = "first-secret-line", "second-secret-line"

    values = secret_values({"global_key": f"{first}\n  {second}  \n"})

    assert first in values
    assert second in values


def test_secret_values_cover_every_credential_input() -> None:
    values = secret_values({"api_token": TOKEN, "email": EMAIL, "global_key": GLOBAL_KEY})

    assert {TOKEN, EMAIL, GLOBAL_KEY} <= set(values)


def test_secret_values_skip_empty_inputs_and_sort_longest_first() -> None:
    values = secret_values({"api_token": f"Bearer {TOKEN}", "email": "", "global_key": "   "})

    assert "" not in values
    assert all(value.strip() for value in values)
    assert values == sorted(values, key=len, reverse=True)
    assert values[0] == f"Bearer {TOKEN}"


def test_secret_values_of_no_credentials_are_empty() -> None:
    assert secret_values({}) == []


def test_secret_values_leave_worker_secrets_to_the_worker_operation() -> None:
    assert secret_values({"secrets": "API_KEY=worker-secret"}) == []


# Worker secrets: the worker operation's own part, and main's union of both


def test_worker_secret_values_are_each_value_raw_and_trimmed() -> None:
    raw = {"secrets": "API_KEY= padded-value \n# a comment\nEMPTY=  \nB=x=y=z"}

    values = set(worker_secrets.secret_values(raw))

    assert values == {"padded-value", "x=y=z"}


def test_worker_secret_values_of_a_malformed_input_mask_every_line() -> None:
    raw = {"secrets": "API_KEY=value\nNO_EQUALS"}

    assert set(worker_secrets.secret_values(raw)) == {"value", "NO_EQUALS"}


def test_worker_secret_values_of_no_secrets_are_empty() -> None:
    assert list(worker_secrets.secret_values({})) == []
    assert list(worker_secrets.secret_values({"secrets": ""})) == []


def test_main_masks_credentials_and_worker_secrets_longest_first() -> None:
    raw = {"api_token": f"Bearer {TOKEN}", "secrets": "A=short\nB=a-much-longer-secret"}

    values = main._secrets(raw)

    assert {f"Bearer {TOKEN}", TOKEN, "short", "a-much-longer-secret"} <= set(values)
    assert set(values) == set(secret_values(raw)) | set(worker_secrets.secret_values(raw))
    assert len(values) == len(set(values))
    assert values == sorted(values, key=len, reverse=True)
    assert "" not in values


def test_main_masks_worker_secrets_whatever_the_operation() -> None:
    raw = {"operation": "verify", "api_token": TOKEN, "secrets": "KEY=given-by-mistake"}

    assert "given-by-mistake" in main._secrets(raw)


# format detection


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (GLOBAL_KEY, True),
        ("f" * 45, True),
        (NEW_GLOBAL_KEY, True),
        ("f" * 36, False),
        ("f" * 46, False),
        (GLOBAL_KEY.upper(), False),
        (TOKEN, False),
    ],
)
def test_looks_like_global_key(value: str, expected: bool) -> None:
    assert looks_like_global_key(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (TOKEN, True),
        (NEW_TOKEN, True),
        (ACCOUNT_TOKEN, True),
        ("cfoat_abc", True),
        ("f" * 40, False),
        (GLOBAL_KEY, False),
        ("short", False),
    ],
)
def test_looks_like_token(value: str, expected: bool) -> None:
    assert looks_like_token(value) is expected
