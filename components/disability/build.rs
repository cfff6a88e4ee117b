fn main() {
    welfare_params_build::compile();
}
