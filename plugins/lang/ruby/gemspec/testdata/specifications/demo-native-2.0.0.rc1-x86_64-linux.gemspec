# -*- encoding: utf-8 -*-
# stub: demo-native 2.0.0.rc1 x86_64-linux lib

Gem::Specification.new do |s|
  s.name = "demo-native".freeze
  s.version = "2.0.0.rc1"
  s.platform = "x86_64-linux".freeze

  s.required_rubygems_version = Gem::Requirement.new("> 1.3.1".freeze) if s.respond_to? :required_rubygems_version=
  s.require_paths = ["lib".freeze]
  s.authors = ["Zo\u00EB".freeze]
  s.date = "2026-11-26"
  s.licenses = ["MIT".freeze, "Apache-2.0".freeze]
  s.rubygems_version = "3.3.15".freeze
  s.summary = "D\u00E9mo with \"quotes\" and \#{interp}".freeze

  s.installed_by_version = "3.3.15" if s.respond_to? :installed_by_version

  if s.respond_to? :specification_version then
    s.specification_version = 4
  end

  if s.respond_to? :add_runtime_dependency then
    s.add_runtime_dependency(%q<rack>.freeze, [">= 2.0"])
  else
    s.add_dependency(%q<rack>.freeze, [">= 2.0"])
  end
end
