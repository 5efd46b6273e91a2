# The same program as loop.aether, for CPython.
counts = {}
recent = []
total = 0
for i in range(1000000):
    key = "k" + str(i % 10)
    counts[key] = counts.get(key, 0) + 1
    recent.append(i)
    if len(recent) > 100:
        recent.pop()
    total += i % 7
print(total, len(counts), counts["k3"], len(recent))
