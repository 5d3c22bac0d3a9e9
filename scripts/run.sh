#!/usr/bin/env bash
# run.sh — `make run`: campaignd on the example campaign and campaign-mailer writing its messages into a
# maildir, together; Ctrl-C stops both. Each confirmation link is printed, so a newcomer can confirm a
# signature without any mail server.
set -euo pipefail
BIN=${BIN:-.build/debug}
STATE=${STATE:-var}
mkdir -p "$STATE" && chmod 700 "$STATE"  # campaignd would tighten it, with a warning

cat <<TEXT

campaignd on the example campaign (state in $STATE/), and campaign-mailer writing mail to $STATE/mail/new.
In another shell:
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
    # The mailer first: it finishes the round in hand while campaignd still answers.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done
}
trap stop INT TERM EXIT

"$BIN/campaignd" --listen "$STATE/public.sock" --admin-listen "$STATE/admin.sock" --state-dir "$STATE" \
    --campaign Schemas/examples/northwind.campaign.json &
pids+=($!)
for _ in $(seq 100); do [ -S "$STATE/admin.sock" ] && break; sleep 0.1; done
[ -S "$STATE/admin.sock" ] || { echo "run.sh: campaignd did not start" >&2; exit 1; }

"$BIN/campaign-mailer" --socket "$STATE/admin.sock" --transport "maildir:$STATE/mail" \
    --from "Northwind Campaign <campaign@localhost>" --site-url "http://localhost:8080" --print-links &
pids+=($!)
wait -n "${pids[@]}" || true
