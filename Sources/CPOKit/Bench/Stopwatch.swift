/// Wall-clock timing for the benchmarks.
enum Stopwatch {
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try body()
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// The fastest of repeated runs of `body`, repeated for at least `minimumSeconds` (and at least
    /// three times), after one untimed warm-up run.
    static func fastest(minimumSeconds: Double, _ body: () -> Void) -> Double {
        body()
        var best = Double.infinity, total = 0.0, runs = 0
        while total < minimumSeconds || runs < 3 {
            let time = seconds(body)
            best = min(best, time)
            total += time
            runs += 1
        }
        return best
    }
}
