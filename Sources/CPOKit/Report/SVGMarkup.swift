import Foundation

/// A value of an SVG attribute: numbers are coordinates, text is escaped.
protocol SVGAttributeValue {
    var attributeText: String { get }
}

extension Double: SVGAttributeValue {
    /// To a tenth of a pixel: finer is invisible and only makes the file longer.
    var attributeText: String { String(format: "%.1f", self) }
}

extension String: SVGAttributeValue {
    var attributeText: String { htmlEscaped }
}

/// SVG elements as text, attributes in the order given so a report is the same byte for byte
/// from the same runs.
enum SVGMarkup {
    typealias Attributes = KeyValuePairs<String, (any SVGAttributeValue)?>

    /// Attributes whose value is nil are left out. `content` is markup already (escape text with
    /// `htmlEscaped`); nil makes an empty element.
    static func element(_ name: String, _ attributes: Attributes, content: String? = nil) -> String {
        let attributeText = attributes.compactMap { key, value in value.map { " \(key)=\"\($0.attributeText)\"" } }.joined()
        guard let content else { return "<\(name)\(attributeText)/>" }
        return "<\(name)\(attributeText)>\(content)</\(name)>"
    }

    static func line(_ kind: String, from start: (x: Double, y: Double), to end: (x: Double, y: Double), stroke: String? = nil) -> String {
        element("line", ["class": kind, "x1": start.x, "y1": start.y, "x2": end.x, "y2": end.y, "stroke": stroke])
    }

    static func group(_ kind: String, name: String? = nil, _ children: [String]) -> String {
        element("g", ["class": kind, "data-name": name], content: "\n" + children.joined(separator: "\n") + "\n")
    }
}
