/// One axis of an `SVGLineChart`.
struct ChartAxis {
    var title: String
    /// The least range the axis shows, e.g. 0…1 for a rate; it still widens to take in every
    /// point and error bar.
    var minimumDomain: ClosedRange<Double>?
    /// Names of categories: the axis then has one slot per category, category i at value i.
    var categories: [String]?

    init(title: String, minimumDomain: ClosedRange<Double>? = nil, categories: [String]? = nil) {
        self.title = title
        self.minimumDomain = minimumDomain
        self.categories = categories
    }
}
