"""On the device: write each trained reader back in <=15 MiB files. The word embeddings were
frozen (--freeze-embeddings), so they are the init reader's and stay behind: only the rest travels."""
import hashlib, json, os, sys, tarfile
from safetensors.numpy import load_file, save_file

OUT, INIT = os.environ["OUT"], "assistant/data/reader"
WORDS = "bert.embeddings.word_embeddings.weight"
init_words = load_file(f"{INIT}/model.safetensors")[WORDS]
meta = {}
with tarfile.open(f"{OUT}/meta.tar.xz", "w:xz") as tar:
    for v in sys.argv[1:]:
        folder = f"/tmp/w{v}/reader"
        if not os.path.isfile(f"{folder}/model.safetensors"):
            meta[v] = "missing"
            continue
        full = load_file(f"{folder}/model.safetensors")
        rest = {k: a for k, a in full.items() if k != WORDS}
        save_file(rest, f"/tmp/{v}-rest.safetensors")
        raw = open(f"/tmp/{v}-rest.safetensors", "rb").read()
        parts = [raw[i:i + 15 * 2**20] for i in range(0, len(raw), 15 * 2**20)]
        for n, part in enumerate(parts):
            open(f"{OUT}/{v}.part{n}", "wb").write(part)
        meta[v] = {"words_equal_init": bool((full[WORDS] == init_words).all()),
                   "full_sha256": hashlib.sha256(open(f"{folder}/model.safetensors", "rb").read()).hexdigest(),
                   "rest_sha256": hashlib.sha256(raw).hexdigest(), "parts": len(parts)}
        for name in os.listdir(folder):
            if name != "model.safetensors":
                tar.add(f"{folder}/{name}", arcname=f"{v}/{name}")
    for name in os.listdir("/tmp/logs"):
        tar.add(f"/tmp/logs/{name}", arcname=f"logs/{name}")
    open("/tmp/pack.json", "w").write(json.dumps(meta, indent=1))
    tar.add("/tmp/pack.json", arcname="pack.json")
print(json.dumps(meta, indent=1))
