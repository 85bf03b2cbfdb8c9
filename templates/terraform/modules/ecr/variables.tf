variable "repositories" {
  description = "Repository name per service."
  type        = map(string)
}

variable "keep_images" {
  description = "Images each repository keeps; older ones expire."
  type        = number
}
