// trawlScan: trawl's Jenkins Pipeline step, from the shared library in integrations/jenkins
// of github.com/trawlscan/trawl (configure it with that library path; see
// docs/integrations/jenkins.md). It runs trawl-ci.sh (resources/io/trawlscan/trawl, a copy
// of integrations/scripts/trawl-ci.sh, the script every integration of trawl runs; a test
// checks the copy), then archives the reports, records SARIF with the Warnings Next
// Generation plugin and JUnit with the JUnit plugin, and fails the build or marks it
// unstable on a failed verdict, as onPolicyFailure says.
//
//   trawlScan(input: 'app.tar', mode: 'evaluate-policy', maxCritical: 0, maxHigh: 5,
//             onPolicyFailure: 'UNSTABLE')
//
// Returns [exitCode:, verdict:, reportDir:, reports:]. Linux and macOS agents (sh).

// Step parameter → trawl-ci.sh variable. Values reach the script as environment
// variables (withEnv), never inside a shell command line.
@groovy.transform.Field
final List SETTINGS = [
    ['image', 'TRAWL_CI_IMAGE'],
    ['input', 'TRAWL_CI_INPUT'],
    ['path', 'TRAWL_CI_PATH'],
    ['sbom', 'TRAWL_CI_SBOM'],
    ['imagePlatform', 'TRAWL_CI_IMAGE_PLATFORM'],
    ['mode', 'TRAWL_CI_MODE'],
    ['maxCritical', 'TRAWL_CI_MAX_CRITICAL'],
    ['maxHigh', 'TRAWL_CI_MAX_HIGH'],
    ['maxMedium', 'TRAWL_CI_MAX_MEDIUM'],
    ['maxLow', 'TRAWL_CI_MAX_LOW'],
    ['policy', 'TRAWL_CI_POLICY'],
    ['policyDigest', 'TRAWL_CI_POLICY_DIGEST'],
    ['ignoreFile', 'TRAWL_CI_IGNORE_FILE'],
    ['vex', 'TRAWL_CI_VEX'],
    ['config', 'TRAWL_CI_CONFIG'],
    ['scanners', 'TRAWL_CI_SCANNERS'],
    ['secretConfig', 'TRAWL_CI_SECRET_CONFIG'],
    ['nothingFoundExitCode', 'TRAWL_CI_NOTHING_FOUND_EXIT_CODE'],
    ['timeout', 'TRAWL_CI_TIMEOUT'],
    ['args', 'TRAWL_CI_ARGS'],
    ['formats', 'TRAWL_CI_FORMATS'],
    ['outputDir', 'TRAWL_CI_OUTPUT_DIR'],
    ['junit', 'TRAWL_CI_JUNIT'],
    ['install', 'TRAWL_CI_INSTALL'],
    ['version', 'TRAWL_CI_VERSION'],
    ['sourceDir', 'TRAWL_CI_SOURCE_DIR'],
    ['trawl', 'TRAWL_CI_TRAWL'],
    ['cacheDir', 'TRAWL_CI_CACHE_DIR'],
    ['db', 'TRAWL_CI_DB'],
    ['dbUpdate', 'TRAWL_CI_DB_UPDATE'],
    ['dbUpdateArgs', 'TRAWL_CI_DB_UPDATE_ARGS'],
    ['dbRepository', 'TRAWL_CI_DB_REPOSITORY'],
    ['offline', 'TRAWL_CI_OFFLINE'],
    ['registry', 'TRAWL_CI_REGISTRY'],
]

// Parameters of the step itself.
@groovy.transform.Field
final List OPTIONS = ['onPolicyFailure', 'registryCredentialsId', 'archive', 'recordIssues', 'issuesId']

@groovy.transform.Field
final Map MEANINGS = [
    2: 'usage or configuration error',
    3: 'scan error: the input could not be read',
    4: 'incomplete scan: a plugin failed, results may be missing',
    5: 'nothing scannable was found',
]

def call(Map config = [:]) {
    if (!isUnix()) {
        error('trawlScan runs on Linux and macOS agents (it needs sh)')
    }
    List known = []
    for (int i = 0; i < OPTIONS.size(); i++) {
        known.add(OPTIONS[i])
    }
    for (int i = 0; i < SETTINGS.size(); i++) {
        known.add(SETTINGS[i][0])
    }
    List keys = []
    keys.addAll(config.keySet())
    for (int i = 0; i < keys.size(); i++) {
        String key = keys[i]
        if (!known.contains(key)) {
            error("trawlScan: unknown parameter '${key}'; known: ${known.join(', ')}")
        }
    }
    String onPolicyFailure = (config.onPolicyFailure ?: 'FAILURE').toString().toUpperCase()
    if (!(onPolicyFailure in ['FAILURE', 'UNSTABLE'])) {
        error("trawlScan: onPolicyFailure is FAILURE or UNSTABLE, not '${config.onPolicyFailure}'")
    }
    String outDir = (config.outputDir ?: 'trawl-reports').toString()

    // Defaults of the Jenkins step: JUnit on (python3 converts; without it the step says
    // so and goes on), and trawl-ci.sh's exit status unmapped: this step maps it.
    Map settings = [
        TRAWL_CI_PLATFORM         : 'jenkins',
        TRAWL_CI_ON_POLICY_FAILURE: 'fail',
        TRAWL_CI_JUNIT            : 'true',
        TRAWL_CI_OUTPUT_DIR       : outDir,
    ]
    for (int i = 0; i < SETTINGS.size(); i++) {
        def value = config[SETTINGS[i][0]]
        if (value != null) {
            settings[SETTINGS[i][1]] = value instanceof List ? value.join(',') : value.toString()
        }
    }
    String script = "${pwd(tmp: true)}/trawl-ci.sh"
    writeFile(file: script, text: libraryResource('io/trawlscan/trawl/trawl-ci.sh'))
    settings.TRAWL_CI_SH = script
    List names = []
    names.addAll(settings.keySet())
    List scriptEnv = []
    for (int i = 0; i < names.size(); i++) {
        scriptEnv.add(names[i] + '=' + settings[names[i]])
    }

    int code = 0
    withEnv(scriptEnv) {
        if (config.registryCredentialsId) {
            withCredentials([usernamePassword(credentialsId: config.registryCredentialsId.toString(),
                    usernameVariable: 'TRAWL_CI_REGISTRY_USERNAME', passwordVariable: 'TRAWL_CI_REGISTRY_PASSWORD')]) {
                code = sh(script: 'sh "$TRAWL_CI_SH" run', returnStatus: true)
            }
        } else {
            code = sh(script: 'sh "$TRAWL_CI_SH" run', returnStatus: true)
        }
    }

    // The record trawl-ci.sh wrote: TRAWL_EXIT_CODE, TRAWL_VERDICT, TRAWL_REPORT_<FORMAT>.
    Map record = [:]
    String recordFile = "${outDir}/trawl-ci.env"
    if (fileExists(recordFile)) {
        List lines = readFile(recordFile).tokenize('\n')
        for (int i = 0; i < lines.size(); i++) {
            String line = lines[i]
            int eq = line.indexOf('=')
            if (eq > 0) {
                record[line.substring(0, eq)] = line.substring(eq + 1)
            }
        }
    }

    if (config.archive != false) {
        archiveArtifacts(artifacts: "${outDir}/**", allowEmptyArchive: true)
    }
    if (record.TRAWL_REPORT_SARIF && config.recordIssues != false) {
        // Warnings Next Generation: the SARIF findings as issues, without changing the
        // build's result (this step does that, below).
        recordIssues(tools: [sarif(pattern: record.TRAWL_REPORT_SARIF, id: (config.issuesId ?: 'trawl').toString(), name: 'trawl')],
                enabledForFailure: true, skipPublishingChecks: true)
    }
    if (record.TRAWL_REPORT_JUNIT) {
        junit(testResults: record.TRAWL_REPORT_JUNIT, allowEmptyResults: true, skipMarkingBuildUnstable: true)
    }

    if (code == 1) {
        String message = "trawl: the verdict failed (exit status 1); see ${outDir}/trawl.log"
        if (onPolicyFailure == 'UNSTABLE') {
            unstable(message)
        } else {
            error(message)
        }
    } else if (code != 0) {
        error("trawl exited ${code}: ${MEANINGS[code] ?: 'trawl failed'}")
    }
    return [
        exitCode : code,
        verdict  : record.TRAWL_VERDICT ?: '',
        reportDir: outDir,
        reports  : (record.TRAWL_REPORTS ?: '').tokenize(','),
    ]
}
