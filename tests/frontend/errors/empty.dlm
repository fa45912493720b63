# expect: 1:1: error: empty file: expected a 'model' definition
