import Foundation

/// Which kinds of negative a run makes, with their weights: `--negatives an`, `an,bn` (equal
/// weights) or `an:2,bn:1,tn:1`. Each slot draws its kind from this categorical, keyed by the slot,
/// so a slot's kind is the same whichever rank makes it (MixN; a single kind is the plain case).
public struct NegativeMix: Sendable, Equatable, CustomStringConvertible {
    public struct Component: Sendable, Equatable {
        public let kind: NegativeKind
        public let weight: Double
    }

    /// In the order written; the draw walks them in this order.
    public let components: [Component]

    public init(kind: NegativeKind) {
        components = [Component(kind: kind, weight: 1)]
    }

    /// Parses the command-line form. Kinds are case-insensitive; an unweighted kind weighs 1.
    public init(parsing text: String, option: String = "negatives") throws {
        func invalid(_ problem: String) -> OptionError {
            let kinds = NegativeKind.allCases.map { "\($0.rawValue) (\($0.name))" }.joined(separator: ", ")
            return OptionError(option: option, value: text, allowed: "\(problem); write one kind (an), a comma list with equal "
                + "weights (an,bn) or weights > 0 (an:2,bn:1,tn:1), each kind once; the kinds are \(kinds)")
        }
        var components: [Component] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count <= 2, !parts[0].isEmpty else { throw invalid("'\(item)' is not a kind or kind:weight") }
            guard let kind = NegativeKind(rawValue: parts[0].lowercased()) else { throw invalid("'\(parts[0])' is not a kind") }
            guard !components.contains(where: { $0.kind == kind }) else { throw invalid("'\(parts[0])' appears twice") }
            var weight = 1.0
            if parts.count == 2 {
                guard let given = Double(parts[1]), given.isFinite, given > 0 else {
                    throw invalid("the weight '\(parts[1])' of \(parts[0]) is not a number > 0")
                }
                weight = given
            }
            components.append(Component(kind: kind, weight: weight))
        }
        self.components = components
    }

    public var kinds: [NegativeKind] { components.map(\.kind) }

    public func probability(of kind: NegativeKind) -> Double {
        let total = components.reduce(0) { $0 + $1.weight }
        return (components.first { $0.kind == kind }?.weight ?? 0) / total
    }

    /// The kind of negative that goes into `slot`.
    public func kind(for slot: NegativeSlot, seed: UInt64) -> NegativeKind {
        var random = slot.random(seed: seed, domain: .mix)
        var remaining = random.nextUniformDouble() * components.reduce(0) { $0 + $1.weight }
        for component in components.dropLast() {
            remaining -= component.weight
            if remaining < 0 { return component.kind }
        }
        return components.last!.kind
    }

    /// The command-line form, weights included: parsing it gives this mix back.
    public var description: String {
        components.map { "\($0.kind.rawValue):\($0.weight)" }.joined(separator: ",")
    }
}
