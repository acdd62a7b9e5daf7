/// Counts how often each key occurs and keeps the most frequent ones in bounded memory
/// (the Space-Saving algorithm): with at most `capacity` distinct keys the counts are exact;
/// beyond, a new key takes the place of the least counted one and inherits its count, so a
/// key that is really frequent always stays, and `approximate` says that counts may be high.
struct TopCounter {
    let capacity: Int
    private var index: [String: Int] = [:]
    private var keys: [String] = []
    private var counts: [Int] = []
    private var floor = 1
    private var cursor = 0
    /// True once a key was evicted: the counts shown are upper bounds.
    private(set) var approximate = false
    /// Every occurrence counted, evicted or not.
    private(set) var total = 0

    init(capacity: Int = 256) {
        self.capacity = max(1, capacity)
    }

    /// Counts one occurrence of `key`.
    mutating func add(_ key: String) {
        total = total &+ 1
        if let i = index[key] {
            counts[i] = counts[i] &+ 1
            return
        }
        if keys.count < capacity {
            index[key] = keys.count
            keys.append(key)
            counts.append(1)
            return
        }
        // Full: replace a least counted key. `floor` never exceeds the smallest count, and a
        // rotating cursor finds the next key at the floor, so a stream of distinct keys costs
        // O(1) per key on average rather than a scan of all of them.
        var minimum = -1
        while minimum < 0 {
            for step in 0..<counts.count {
                let i = (cursor + step) % counts.count
                if counts[i] == floor { minimum = i; break }
            }
            if minimum < 0 { floor = counts.min() ?? 0 }
        }
        cursor = minimum + 1
        index[keys[minimum]] = nil
        index[key] = minimum
        keys[minimum] = key
        counts[minimum] = counts[minimum] &+ 1
        approximate = true
    }

    /// The `limit` most frequent keys, most frequent first (ties by key, for stable output).
    func top(_ limit: Int) -> [(key: String, count: Int)] {
        let pairs = zip(keys, counts).map { (key: $0, count: $1) }
        let sorted = pairs.sorted { $0.count != $1.count ? $0.count > $1.count : $0.key < $1.key }
        return Array(sorted.prefix(max(0, limit)))
    }

    /// How many distinct keys are held.
    var distinct: Int { keys.count }
}
