# expect: 1:1: error: no model in file: expected a 'model' definition after the blocks
block b(x) {
  return relu(x)
}
