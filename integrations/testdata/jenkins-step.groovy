// Runs vars/trawlScan.groovy outside Jenkins, for TestJenkinsStepGroovy: the Pipeline
// steps it calls are closures of the script's binding (sh runs for real, with the
// environment withEnv gives; the others record their arguments), so the step's own logic
// (parameters, environment, the record, the reports, the build's result) is what is tested.
//
//   groovy jenkins-step.groovy LIBRARY_DIR WORKSPACE CONFIG_JSON
// prints one JSON line: the step's return value or error, its result, the steps it called.
import groovy.json.JsonOutput
import groovy.json.JsonSlurper

def (libDir, workspace, configJson) = args as List
Map config = new JsonSlurper().parseText(configJson)
List calls = []
String result = 'SUCCESS'
List env = []
File tmp = File.createTempDir()

def binding = new Binding()
binding.isUnix = { -> true }
binding.error = { String m -> throw new IllegalStateException(m) }
binding.unstable = { String m -> result = 'UNSTABLE'; calls << [step: 'unstable', message: m] }
binding.pwd = { Map m -> m.tmp ? tmp.path : workspace }
binding.writeFile = { Map m -> new File(m.file).text = m.text }
binding.libraryResource = { String p -> new File(libDir, 'resources/' + p).text }
binding.withEnv = { List e, Closure c -> List saved = env; env = env + e.collect { it.toString() }; try { c() } finally { env = saved } }
binding.sh = { Map m ->
    assert m.returnStatus == true
    Map e = new HashMap(System.getenv())
    env.each { String kv -> int i = kv.indexOf('='); e[kv.substring(0, i)] = kv.substring(i + 1) }
    def p = new ProcessBuilder(['sh', '-xe', '-c', m.script]).directory(new File(workspace))
    p.environment().clear()
    p.environment().putAll(e)
    p.redirectErrorStream(true)
    def proc = p.start()
    proc.inputStream.eachLine { System.err.println(it) }
    proc.waitFor()
}
binding.fileExists = { String p -> new File(workspace, p).exists() }
binding.readFile = { String p -> new File(workspace, p).text }
binding.archiveArtifacts = { Map m -> calls << [step: 'archiveArtifacts'] + m }
binding.sarif = { Map m -> [tool: 'sarif'] + m }
binding.recordIssues = { Map m -> calls << [step: 'recordIssues'] + m }
binding.junit = { Map m -> calls << [step: 'junit'] + m }
binding.usernamePassword = { Map m -> m }
binding.withCredentials = { List creds, Closure c -> List saved = env; env = env + ["${creds[0].usernameVariable}=user", "${creds[0].passwordVariable}=password"]; try { c() } finally { env = saved } }

def step = new GroovyShell(binding).parse(new File(libDir, 'vars/trawlScan.groovy'))
Map out = [calls: calls]
try {
    out.returned = step.call(config)
} catch (IllegalStateException e) {
    result = 'FAILURE'
    out.error = e.message
}
out.result = result
println JsonOutput.toJson(out)
