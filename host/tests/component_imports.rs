//! Import hygiene: the core component may import only what is allow-listed here, each entry with
//! its reason. A std `wasm32-wasip2` build would import 13 WASI interfaces (stdio, environment,
//! exit, terminals) even though the core does no I/O; the core is built for
//! `wasm32-unknown-unknown` and componentized with wit-component instead, so it imports only
//! what its world declares.

use wit_component::DecodedWasm;

/// Every import the core component may have, and why.
const ALLOWED_IMPORTS: &[(&str, &str)] = &[(
    "azspeech:core/diagnostics@0.1.0",
    "log lines and panic messages from the core, routed into the host's tracing log; \
     it cannot carry a secret because the core never holds one",
)];

/// The names of everything `component` imports (interfaces, functions, types).
fn imports_of(component: &[u8]) -> Vec<String> {
    match wit_component::decode(component).expect("the bytes decode as a WebAssembly component") {
        DecodedWasm::Component(resolve, world) => resolve.worlds[world]
            .imports
            .keys()
            .map(|key| resolve.name_world_key(key))
            .collect(),
        DecodedWasm::WitPackage(..) => panic!("expected a component, got a WIT package"),
    }
}

/// Imports of `component` that are not allow-listed.
fn disallowed_imports(component: &[u8]) -> Vec<String> {
    imports_of(component)
        .into_iter()
        .filter(|name| !ALLOWED_IMPORTS.iter().any(|(allowed, _)| allowed == name))
        .collect()
}

#[test]
fn the_core_component_imports_only_allow_listed_interfaces() {
    let extra = disallowed_imports(azspeech_host::CORE_COMPONENT);
    assert!(
        extra.is_empty(),
        "the core component imports {extra:?}, which are not in ALLOWED_IMPORTS. If the import is \
         intended, add it with its reason; if it is WASI pulled in by std (stdio, environment, exit), \
         find the code that does I/O in the core."
    );
    // The allow-list is not stale either: each entry is really imported.
    let imports = imports_of(azspeech_host::CORE_COMPONENT);
    for (allowed, reason) in ALLOWED_IMPORTS {
        assert!(
            imports.contains(&allowed.to_string()),
            "{allowed} is allow-listed ({reason}) but not imported"
        );
    }
}

#[test]
fn the_core_component_exports_its_whole_world() {
    let DecodedWasm::Component(resolve, world) = wit_component::decode(azspeech_host::CORE_COMPONENT).expect("decodes")
    else {
        panic!("not a component");
    };
    let exports: Vec<String> = resolve.worlds[world]
        .exports
        .keys()
        .map(|key| resolve.name_world_key(key))
        .collect();
    for interface in [
        "types",
        "config",
        "connection",
        "messages",
        "recognition",
        "synthesis",
        "failures",
        "proxy",
        "reachability",
        "transcription",
    ] {
        let name = format!("azspeech:core/{interface}@0.1.0");
        assert!(exports.contains(&name), "{name} is not exported; exports: {exports:?}");
    }
}

/// The check above must fail when an import is added: build a component of the same world plus
/// `wasi:cli/environment` (what a stray `std::env::var` pulls in on wasip2) and check that it is
/// caught.
#[test]
fn an_added_wasi_import_is_caught() {
    let mut resolve = wit_parser::Resolve::default();
    resolve
        .push_str("azspeech.wit", azspeech_host::CORE_WIT)
        .expect("the contract parses");
    let leaky = resolve
        .push_str(
            "leaky.wit",
            "package azspeech:leaky;\n\
             world leaky {\n  include azspeech:core/speech-core@0.1.0;\n  import wasi:cli/environment@0.2.6;\n}\n\
             package wasi:cli@0.2.6 {\n  interface environment {\n    get-environment: func() -> list<tuple<string, string>>;\n  }\n}\n",
        )
        .expect("the leaky world parses");
    let world = resolve.select_world(&[leaky], Some("leaky")).expect("world");
    let mut module = wit_component::dummy_module(&resolve, world, wit_parser::ManglingAndAbi::Standard32);
    wit_component::embed_component_metadata(&mut module, &resolve, world, wit_component::StringEncoding::UTF8, false)
        .expect("embed");
    let component = wit_component::ComponentEncoder::default()
        .module(&module)
        .and_then(|encoder| encoder.validate(true).encode())
        .expect("encode");
    assert_eq!(
        disallowed_imports(&component),
        vec!["wasi:cli/environment@0.2.6".to_owned()]
    );
}
