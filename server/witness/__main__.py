"""`python -m server.witness init|serve|show`: the witness's command line (see README "Witness")."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .checks import public_view
from .server import make_server
from .state import init_state


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.witness",
                                     description="A witness of a FieldCase audit log")
    parser.add_argument("--state-dir", required=True, type=Path,
                        help="folder of the witness's key and state (back it up)")
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="generate the witness key and watch a log's key")
    init.add_argument("--log-key", required=True,
                      help="the log's public key, hex (GET /api/audit/key: public_key_hex)")
    serve = commands.add_parser("serve", help="answer submissions over HTTP")
    serve.add_argument("--bind", default="127.0.0.1:8440", help="host:port (default %(default)s)")
    commands.add_parser("show", help="print the witness's public key and key id")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if args.command == "init":
        if (args.state_dir / "state.json").exists():
            print(f"{args.state_dir} already holds a witness: its memory must not be replaced")
            return 1
        init_state(args.state_dir, args.log_key)
    if args.command in ("init", "show"):
        view = public_view(args.state_dir)
        print(f"witness key id {view['key_id']}\npublic key (FIELDCASE_WITNESS_KEY) {view['public_key_hex']}\n"
              f"watches the log with key id {view['log_key_id']}")
        return 0
    host, _, port = args.bind.rpartition(":")
    server = make_server(args.state_dir, host, int(port))
    logging.getLogger("fieldcase.witness").info("witness listening on %s", args.bind)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
