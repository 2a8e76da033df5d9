"""`python -m qa_app users …`: manage sign-in accounts from the officer's terminal.

    users add NAME [--group G …] [--password-stdin]
    users remove NAME
    users list [--json]
    users passwd NAME [--password-stdin]
    users groups NAME [--group G …]     (sets the groups; none leaves none)

Every action takes `--store DIR` (accounts and audit log live there) or
`--accounts FILE`. Passwords come from a prompt (asked twice) or one line of
stdin; they are never echoed, printed or logged.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from qa_app.accounts import Accounts


def add_users_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `users` and its actions on the CLI's subparsers."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", type=Path, help="index folder (default: COUNCIL_STORE_DIR or .index)")
    common.add_argument("--accounts", type=Path,
                        help="accounts file (default: COUNCIL_ACCOUNTS_FILE or accounts.json in the store folder)")
    users = sub.add_parser("users", help="manage sign-in accounts and their groups")
    actions = users.add_subparsers(dest="users_command", required=True)

    add = actions.add_parser("add", parents=[common], help="create an account")
    add.add_argument("name")
    add.add_argument("--group", dest="groups", action="append", default=[], help="a group (repeatable)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")

    remove = actions.add_parser("remove", parents=[common], help="delete an account; its access ends at once")
    remove.add_argument("name")

    listing = actions.add_parser("list", parents=[common], help="names and groups (never hashes)")
    listing.add_argument("--json", action="store_true", help="print JSON")

    passwd = actions.add_parser("passwd", parents=[common], help="set a new password")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")

    groups = actions.add_parser("groups", parents=[common], help="replace an account's groups")
    groups.add_argument("name")
    groups.add_argument("--group", dest="groups", action="append", default=[], help="a group (repeatable)")


def run_users(args: argparse.Namespace, out: TextIO, stdin: TextIO | None = None) -> int:
    """Carry out one `users` action; errors propagate as `CouncilPapersError`."""
    accounts = open_accounts(args.store, args.accounts)
    actor = _actor()
    command = args.users_command
    if command == "list":
        _list(accounts, out, as_json=args.json)
    elif command == "add":
        password = read_password(args.password_stdin, stdin or sys.stdin)
        user = accounts.add(args.name, password, args.groups, actor=actor)
        print(f"added {user.name}{_groups_text(user.groups)}", file=out)
    elif command == "remove":
        print(f"removed {accounts.remove(args.name, actor=actor).name}", file=out)
    elif command == "passwd":
        accounts.require(args.name)  # before prompting for a password that cannot be used
        user = accounts.set_password(args.name, read_password(args.password_stdin, stdin or sys.stdin), actor=actor)
        print(f"password changed for {user.name}", file=out)
    else:
        user = accounts.set_groups(args.name, args.groups, actor=actor)
        print(f"{user.name}{_groups_text(user.groups) or ': no groups'}", file=out)
    return 0


def open_accounts(store: Path | None, accounts_file: Path | None) -> Accounts:
    """The accounts file and audit log the settings point at."""
    from ingest.audit import AuditLog
    from ingest.config import load_settings
    from qa_app.access import load_access_settings
    from qa_app.accounts import Accounts, default_path

    store_dir = load_settings(store).store_dir
    path = accounts_file or load_access_settings().accounts_file or default_path(store_dir)
    return Accounts(path, audit=AuditLog.for_store(store_dir))


def read_password(from_stdin: bool, stdin: TextIO) -> str:
    """One line of stdin, or a hidden prompt asked twice."""
    from qa_app.accounts import AccountsError, validate_password

    if from_stdin:
        return validate_password(stdin.readline().rstrip("\r\n"))
    try:
        first = validate_password(getpass.getpass("New password: "))
        again = getpass.getpass("Repeat the password: ")
    except EOFError as exc:
        raise AccountsError("no password given (use --password-stdin to pipe one in)") from exc
    if again != first:
        raise AccountsError("the two passwords differ; nothing was changed")
    return first


def _list(accounts: Accounts, out: TextIO, *, as_json: bool) -> None:
    users = accounts.users()
    if as_json:
        print(json.dumps([{"name": u.name, "groups": sorted(u.groups)} for u in users]), file=out)
        return
    if not users:
        print(f"no users in {accounts.path}", file=out)
        return
    width = max(len(u.name) for u in users)
    for user in users:
        print(f"{user.name:<{width}}  {', '.join(sorted(user.groups)) or '(no groups)'}", file=out)


def _groups_text(groups: frozenset[str]) -> str:
    return f" in {', '.join(sorted(groups))}" if groups else ""


def _actor() -> str:
    """Who ran the command, for the audit log."""
    from ingest.audit import cli_actor

    return cli_actor()
