import Foundation

/// Maps values along one chart axis onto pixels. The domain is widened to round tick values
/// (steps of 1, 2 or 5 × 10ⁿ) so the axis ends on a labelled tick.
struct LinearScale {
    let domain: ClosedRange<Double>
    /// Pixel positions of the domain's lower and upper ends; `end < start` for a vertical axis.
    let start: Double
    let end: Double
    let ticks: [Double]
    private let decimals: Int

    /// A numeric axis through `values` and at least `minimumDomain`, with about `intervals` ticks.
    init(covering values: [Double], minimumDomain: ClosedRange<Double>?, start: Double, end: Double, intervals: Int = 6) {
        var lower = values.min() ?? minimumDomain?.lowerBound ?? 0
        var upper = values.max() ?? minimumDomain?.upperBound ?? 1
        if let minimumDomain {
            lower = min(lower, minimumDomain.lowerBound)
            upper = max(upper, minimumDomain.upperBound)
        }
        if lower == upper {
            let pad = lower == 0 ? 1 : abs(lower) / 10
            lower -= pad
            upper += pad
        }
        let step = Self.roundStep(atLeast: (upper - lower) / Double(intervals))
        let first = (lower / step).rounded(.down)
        let last = (upper / step).rounded(.up)
        self.domain = first * step...last * step
        self.start = start
        self.end = end
        self.ticks = (0...Int(last - first)).map { (first + Double($0)) * step }
        self.decimals = max(0, Int(-log10(step).rounded(.down)))
    }

    /// A categorical axis: slot i, centred on value i, for each of `count` categories.
    init(categories count: Int, start: Double, end: Double) {
        self.domain = -0.5...(Double(count) - 0.5)
        self.start = start
        self.end = end
        self.ticks = (0..<count).map(Double.init)
        self.decimals = 0
    }

    func callAsFunction(_ value: Double) -> Double {
        start + (value - domain.lowerBound) / (domain.upperBound - domain.lowerBound) * (end - start)
    }

    func label(_ tick: Double) -> String { String(format: "%.\(decimals)f", tick) }

    private static func roundStep(atLeast raw: Double) -> Double {
        let magnitude = pow(10, log10(raw).rounded(.down))
        return [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-9) } ?? 10 * magnitude
    }
}
