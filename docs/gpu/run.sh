#!/bin/bash
# On the device: bash docs/gpu/run.sh COMMIT MINUTES (caches in .device/cache, carried) — three readers side by side on the one GPU.
export ASSISTANT_COMMIT=$1 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
MIN=$2
PY=${PY:-python3}
nvidia-smi --query-gpu=name,memory.used --format=csv 2>/dev/null
$PY -c "import torch, transformers, sentence_transformers as s; print(torch.__version__, transformers.__version__, s.__version__, torch.cuda.is_available())"
mkdir -p /tmp/logs
SQ=../shared/data/squad1.1-train/train-v1.1.json
N1=eval/news-train.jsonl; N2=eval/news-train-2.jsonl; N3=eval/news-train-3.jsonl
U1=eval/squad-unanswerable-train.jsonl; U2=eval/squad-unanswerable-train-2.jsonl; U3=eval/squad-unanswerable-train-3.jsonl
U4=eval/squad-unanswerable-train-4.jsonl; U5=eval/squad-unanswerable-train-5.jsonl; U6=eval/squad-unanswerable-train-6.jsonl
U_TWICE=$(for u in $U1 $U2 $U3 $U4 $U5 $U6; do echo -n "--data $u --data $u "; done)  # each unanswerable set twice
COMMON="--data-root ../shared/data --per-article 10000 --negatives 7 --seed 0 --batch-questions 64 --freeze-embeddings --init assistant/data/reader --validate 2000 --max-minutes $MIN ${EXTRA:-}"
BASE=${BASE:-"--data $SQ --data $N1 --data $N1 --data $N2 --data $N2 --data $N3 --data $N3 --data $N3 $U_TWICE"}
MORE_U=${MORE_U-"$U_TWICE --data $N1 --data $N2 --data $N3"}
run() { v=$1; shift; mkdir -p /tmp/w$v; cp .device/cache/*.xz /tmp/w$v/;
  $PY -m assistant train reader "$@" $COMMON --work /tmp/w$v --out /tmp/w$v/reader > /tmp/logs/$v.log 2>&1;
  echo "$v rc=$?" >> /tmp/logs/$v.log; tail -2 /tmp/logs/$v.log; }
run D $BASE --epochs ${ED:-1.5} --lr 3e-5 &
run E $BASE $MORE_U --epochs ${EE:-1.4} --lr 3e-5 &
run S $BASE --epochs ${ES:-1.8} --lr 6e-5 --layers 3 --teacher assistant/data/reader --distill 0.5 &
wait
$PY docs/gpu/pack.py D E S
ls -la $OUT
