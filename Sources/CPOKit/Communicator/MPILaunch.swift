import Foundation

/// How a process tells that a launcher started it as one rank of an MPI job: every launcher
/// leaves its own variables in the rank's environment, and MPI must be initialised in all of
/// them, or each rank would train alone as a world of one.
public enum MPILaunch {
    /// OpenMPI's `mpirun` sets `OMPI_COMM_WORLD_SIZE`; PMIx servers (`mpirun`, `prterun`,
    /// `srun --mpi=pmix`) `PMIX_RANK`; PMI-2 (`srun --mpi=pmi2`) `PMI_RANK`; `srun` sets
    /// `SLURM_PROCID` for every task. An sbatch script's own shell has `SLURM_PROCID` too; a
    /// `cpo` started there directly becomes an MPI singleton, which is still a world of one.
    public static let rankVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"]

    public static func isRank(environment: [String: String]) -> Bool {
        rankVariables.contains { environment[$0] != nil }
    }

    /// Ranks on this node, as mpirun tells each of them (1 outside mpirun).
    public static func ranksOnThisNode(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        max(environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap { Int($0) } ?? 1, 1)
    }
}
