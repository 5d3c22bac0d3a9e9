#!/usr/bin/env bash
# run.sh — `make run`: campaignd on the example campaign, campaign-mailer writing its messages into a
# maildir, and campaign-web serving the site on http://127.0.0.1:8080/ (PORT), together; Ctrl-C stops all
# three. Each confirmation link is printed, so a newcomer signs in the browser, follows the link and
# watches the count move, without any mail server.
set -euo pipefail
BIN=${BIN:-.build/debug}
STATE=${STATE:-var}
PORT=${PORT:-8080}
mkdir -p "$STATE" && chmod 700 "$STATE"  # campaignd would tighten it, with a warning

cat <<TEXT

The campaign's site:  http://127.0.0.1:$PORT/
Sign there; the confirmation link is printed below (campaign-mailer writes the mail to $STATE/mail/new).
campaignd keeps its state in $STATE/. From another shell:
  Clients/shell/campaign-rpc -s $STATE/public.sock letter.get
  Clients/shell/campaign-rpc -s $STATE/public.sock letter.sign '{"name":"Ada","email":"ada@example.org","showName":true}'
  Clients/shell/campaign-rpc -s $STATE/public.sock tokens.confirm '{"token":"…the token of the link printed here…"}'
  $BIN/campaignctl --socket $STATE/public.sock count
  $BIN/campaignctl --socket $STATE/admin.sock export
Stop with Ctrl-C.

TEXT

pids=()
stop() {
    trap - INT TERM EXIT
    # In reverse: the site, then the mailer (it finishes the round in hand while campaignd still answers), then campaignd.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done
}
trap stop INT TERM EXIT

"$BIN/campaignd" --listen "$STATE/public.sock" --admin-listen "$STATE/admin.sock" --state-dir "$STATE" \
    --campaign Schemas/examples/northwind.campaign.json &
pids+=($!)
for _ in $(seq 100); do [ -S "$STATE/admin.sock" ] && break; sleep 0.1; done
[ -S "$STATE/admin.sock" ] || { echo "run.sh: campaignd did not start" >&2; exit 1; }

"$BIN/campaign-mailer" --socket "$STATE/admin.sock" --transport "maildir:$STATE/mail" \
    --from "Northwind Campaign <campaign@localhost>" --site-url "http://127.0.0.1:$PORT" --print-links &
pids+=($!)

"$BIN/campaign-web" --listen "127.0.0.1:$PORT" --socket "$STATE/public.sock" --site-url "http://127.0.0.1:$PORT" \
    --site-title "Northwind: an open letter" --log-level warning &
pids+=($!)
wait -n "${pids[@]}" || true
