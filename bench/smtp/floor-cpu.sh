#!/bin/sh
# User and system CPU per message of the minimal smtp-server script (min-server.ts) under
# Postfix's smtp-source: how much of the floor is JavaScript and how much the kernel.
#   S=20 N=10000 sh bench/smtp/floor-cpu.sh     (S sessions, N messages of 10 KB)
cd "$(dirname "$0")/../.."
D=$(mktemp -d /tmp/minprof-XXXX)
PORT=${PORT:-39125}
command -v smtp-source >/dev/null || PATH=$PATH:/usr/sbin
node --import tsx bench/smtp/min-server.ts $PORT $D/Maildir > $D/log 2>&1 &
P=$!
sleep 4
a=$(awk '{print $14, $15}' /proc/$P/stat)
t0=$(date +%s.%N)
smtp-source -s ${S:-20} -m ${N:-10000} -l 10240 -f a@x.test -t b@y.test 127.0.0.1:$PORT
t1=$(date +%s.%N)
b=$(awk '{print $14, $15}' /proc/$P/stat)
n=$(ls $D/Maildir/new | wc -l)
echo "$a $b $t0 $t1 $n $(getconf CLK_TCK)" | awk '{tk=$8; u=($3-$1)/tk; s=($4-$2)/tk; w=$6-$5; printf "stored %d in %.1f s = %.0f msg/s; user %.2f s sys %.2f s = %.3f + %.3f ms/msg\n", $7, w, $7/w, u, s, u*1000/$7, s*1000/$7}'
kill $P; sleep 1; rm -rf $D
