# Nine levels of brackets.
locals {
  nested = [[[[[[[[1]]]]]]]]
}
