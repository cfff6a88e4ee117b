//! Generated bindings for the `domain-component` world.
//!
//! A component exports itself with
//! `welfare_guest::bindings::export_domain!(MyDomain with_types_in welfare_guest::bindings);`
//! after implementing [`exports::welfare::platform::domain::Guest`].

wit_bindgen::generate!({
    world: "domain-component",
    path: "../../wit",
    pub_export_macro: true,
    export_macro_name: "export_domain",
    default_bindings_module: "welfare_guest::bindings",
    generate_all,
});
