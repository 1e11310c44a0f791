import XCTest
import CPOKit

/// Which environments make a process an MPI rank: every launcher the launch scripts use, and
/// nothing a plain shell has.
final class CommunicatorLaunchDetectionTests: XCTestCase {
    private let plainShell = ["PATH": "/usr/bin:/bin", "HOME": "/root", "OMPI_MCA_btl": "tcp,self", "SLURM_JOB_ID": "42"]

    func testAPlainProcessIsNoRank() {
        XCTAssertFalse(MPILaunch.isRank(environment: [:]))
        // MCA settings and a Slurm allocation alone say nothing about how this process started.
        XCTAssertFalse(MPILaunch.isRank(environment: plainShell))
    }

    func testMpirunRanksAreRecognised() {
        XCTAssertTrue(MPILaunch.isRank(environment: plainShell.merging(["OMPI_COMM_WORLD_SIZE": "2", "PMIX_RANK": "1"]) { $1 }))
    }

    func testSlurmRanksWithoutOpenMPIVariablesAreRecognised() {
        for launch in [["PMIX_RANK": "3", "SLURM_PROCID": "3"],   // srun --mpi=pmix
                       ["PMI_RANK": "1", "SLURM_PROCID": "1"],    // srun --mpi=pmi2
                       ["SLURM_PROCID": "0"]] {                   // srun, whatever its MPI plugin
            XCTAssertTrue(MPILaunch.isRank(environment: plainShell.merging(launch) { $1 }), "\(launch)")
        }
    }
}
